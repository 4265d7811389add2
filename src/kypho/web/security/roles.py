"""Roles and what each may do: the one role matrix of the app (docs/web-roles.md shows it).

A route names the permission it needs (``guard.require(Permission.X)``); nothing else in
the app decides who may do what.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"  # users and the audit trail; no patient data
    PHYSICIAN = "physician"  # decides, overrides, signs plans and consents
    COORDINATOR = "coordinator"  # referrals, case data, documents, scheduling
    RADIOLOGIST = "radiologist"  # imaging and measurements
    READ_ONLY = "read_only"  # reads patient data, changes nothing


class Permission(StrEnum):
    READ_PATIENT_DATA = "read patient data"
    EDIT_CASE = "enter referrals and edit case data"
    MEASURE = "upload imaging and measure"
    DECIDE = "plan, override a refusal, sign plans and consents"
    ISSUE_DOCUMENTS = "issue patient documents"
    SCHEDULE = "book appointments"
    RECORD_FOLLOW_UP = "record follow-up visits"
    MANAGE_USERS = "manage users"
    MANAGE_ROOMS = "manage procedure rooms"
    VIEW_AUDIT = "view and export the audit trail"
    OWN_ACCOUNT = "change one's own password"


_CLINICAL = {Role.PHYSICIAN, Role.COORDINATOR, Role.RADIOLOGIST, Role.READ_ONLY}

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.READ_PATIENT_DATA: frozenset(_CLINICAL),
    Permission.EDIT_CASE: frozenset({Role.COORDINATOR, Role.PHYSICIAN}),
    Permission.MEASURE: frozenset({Role.RADIOLOGIST, Role.PHYSICIAN}),
    Permission.DECIDE: frozenset({Role.PHYSICIAN}),
    Permission.ISSUE_DOCUMENTS: frozenset({Role.COORDINATOR, Role.PHYSICIAN}),
    Permission.SCHEDULE: frozenset({Role.COORDINATOR, Role.PHYSICIAN}),
    Permission.RECORD_FOLLOW_UP: frozenset({Role.COORDINATOR, Role.PHYSICIAN}),
    Permission.MANAGE_USERS: frozenset({Role.ADMINISTRATOR}),
    Permission.MANAGE_ROOMS: frozenset({Role.ADMINISTRATOR, Role.COORDINATOR}),
    Permission.VIEW_AUDIT: frozenset({Role.ADMINISTRATOR}),
    Permission.OWN_ACCOUNT: frozenset(Role),
}


def allowed(role: str, permission: Permission) -> bool:
    return role in MATRIX[permission]


def roles_markdown() -> str:
    """The role matrix as a Markdown table: the text of docs/web-roles.md."""
    roles = list(Role)
    header = "| Permission | " + " | ".join(r.value.replace("_", "-") for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {p.value} | " + " | ".join("yes" if r in MATRIX[p] else "no" for r in roles) + " |"
        for p in Permission
    ]
    intro = (
        "# Roles in the clinic web app\n\n"
        "Generated from `kypho.web.security.roles.MATRIX` by `roles_markdown()`; a test checks\n"
        "that this file equals it. To regenerate:\n\n"
        "```\n"
        '.venv/bin/python -c "from kypho.web.security.roles import roles_markdown; '
        "print(roles_markdown(), end='')\" > docs/web-roles.md\n"
        "```\n\n"
        "Every route names one permission (`require(Permission.X)`); a role may use the route\n"
        "if the table says yes. Administrators manage users and read the audit trail but see\n"
        "no patient data. A user signed in with a one-time password may only change it.\n\n"
    )
    from kypho.web.security.password_rules import PASSWORD_MIN_CHARS
    from kypho.web.security.throttle import IP_MAX_FAILURES, IP_WINDOW_MINUTES

    sign_in = _SIGN_IN.format(min_chars=PASSWORD_MIN_CHARS, ip_failures=IP_MAX_FAILURES,
                              ip_minutes=IP_WINDOW_MINUTES)  # fmt: skip
    return intro + "\n".join([header, rule, *rows]) + "\n" + sign_in


_SIGN_IN = """
## Signing in

- Passwords are stored as argon2id hashes; a new password has at least {min_chars} characters and
  is neither the username nor the current password. A new or reset account gets a
  one-time password, and only the password page answers until it is changed.
- After `KYPHO_SIGN_IN_MAX_FAILURES` failed sign-ins in a row an account is locked for
  `KYPHO_SIGN_IN_LOCKOUT_MINUTES` (an administrator can unlock it sooner); one address
  is refused after {ip_failures} failures in {ip_minutes} minutes. A name that is no
  account gets the same answers.
- The address a sign-in, its throttle and every audit row record is the direct peer's;
  only a peer in `KYPHO_TRUSTED_PROXIES` (reverse proxies: comma-separated addresses or
  CIDR networks, default none) is believed about `X-Forwarded-For`, and then the client is
  the right-most address in it that is no trusted proxy. Anyone else's header is ignored.
- A session ends at sign-out, after `KYPHO_SESSION_IDLE_MINUTES` without a request, after
  `KYPHO_SESSION_MAX_HOURS`, or when its password changes elsewhere; the cookie is
  HttpOnly, SameSite=Lax, Secure with `KYPHO_COOKIE_SECURE`. Every form that changes
  something carries the session's CSRF token; API calls with a bearer token need none.
- Sign-ins, failures, lock-outs, user changes and audit exports are audit events.
"""
