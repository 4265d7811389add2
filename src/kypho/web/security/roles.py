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
    Permission.VIEW_AUDIT: frozenset({Role.ADMINISTRATOR}),
    Permission.OWN_ACCOUNT: frozenset(Role),
}


def allowed(role: str, permission: Permission) -> bool:
    return role in MATRIX[permission]
