"""Settings: read once by each entry point (CLI, app, screener) and passed down as a value.

Every field can be set from the environment with the prefix ``KYPHO_``
(``KYPHO_CLINIC_NAME``, ``KYPHO_CLINIC_TIME_ZONE``...). Units are in the names. The core
never reads the environment itself: a workflow receives ``Settings`` as an argument.
"""

from __future__ import annotations

from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from kypho.errors import InvalidInput

BUNDLED_POLICIES = ("practice", "medicare-l34106", "vcf-suspicion")


class Settings(BaseSettings):
    """The clinic's identity, the default policies and the input limits."""

    model_config = SettingsConfigDict(env_prefix="KYPHO_", frozen=True, extra="ignore")

    clinic_name: str | None = Field(
        default=None, description="Printed on every patient document; None: not configured."
    )
    clinic_phone: str | None = Field(
        default=None, description="The number patients call with a question or a warning sign."
    )
    clinic_time_zone: str = Field(
        default="UTC", description="IANA time zone of the clinic (calendar events, 'today')."
    )
    default_policies: tuple[str, ...] = Field(
        default=BUNDLED_POLICIES,
        min_length=1,
        description="Policies `assess` uses when none is named (a JSON list of ids).",
    )
    max_case_file_bytes: int = Field(default=2_000_000, gt=0, description="Largest case file.")
    max_policy_file_bytes: int = Field(default=1_000_000, gt=0, description="Largest policy.")
    max_image_voxels: int = Field(
        default=512 * 512 * 2048, gt=0, description="Largest label or CT volume, in voxels."
    )
    max_image_file_bytes: int = Field(
        default=2_000_000_000, gt=0, description="Largest image file after decompression."
    )
    max_landmarks_file_bytes: int = Field(
        default=1_000_000, gt=0, description="Largest six-point landmarks file."
    )

    # The clinic web app (kypho serve). Checked for safety by kypho.web.settings_check.
    environment: Literal["development", "production"] = Field(
        default="development",
        description="production refuses unsafe values (no secret key, cookies without Secure).",
    )
    data_dir: Path = Field(
        default=Path("kypho-data"),
        description="Folder of the embedded database and the generated secret key.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://...); None: SQLite in data_dir.",
    )
    fhir_base_url: str | None = Field(
        default=None,
        description="FHIR R4 server base URL the app pulls a patient's resources from.",
    )
    dicomweb_url: str | None = Field(
        default=None,
        description="DICOMweb base URL of the PACS the app imports studies from (QIDO/WADO-RS).",
    )
    cds_require_jwt: bool = Field(
        default=True,
        description="CDS Hooks: require a trusted client JWT; false only for a sandbox "
        "whose keys kypho cannot have.",
    )
    cds_allowed_issuers: tuple[str, ...] = Field(
        default=(), description="CDS Hooks: accepted JWT iss values (a JSON list)."
    )
    cds_jwks: str | None = Field(
        default=None, description="CDS Hooks: trusted client keys, a JWK Set file path or URL."
    )
    cds_service_base_url: str | None = Field(
        default=None,
        description="CDS Hooks: the base URL a JWT's aud must equal; None: public_url, "
        "else the request's own.",
    )
    cds_allowed_fhir_servers: tuple[str, ...] = Field(
        default=(),
        description="CDS Hooks: FHIR base URLs a call's fhirServer may name; empty: any.",
    )
    secret_key: str | None = Field(
        default=None, description="Signs nothing secret-bearing itself; None: generated once."
    )
    public_url: str | None = Field(
        default=None, description="The URL users reach the app at (https://... needs Secure)."
    )
    cookie_secure: bool = Field(default=False, description="Send cookies over https only.")
    session_idle_minutes: int = Field(default=30, gt=0, description="Idle sign-out, minutes.")
    session_max_hours: int = Field(default=12, gt=0, description="Longest session, hours.")
    sign_in_max_failures: int = Field(
        default=5, gt=0, description="Failed sign-ins before the account is locked."
    )
    sign_in_lockout_minutes: int = Field(default=15, gt=0, description="Lock-out, minutes.")
    max_upload_bytes: int = Field(
        default=200_000_000, gt=0, description="Largest uploaded file (mask, zip, landmarks)."
    )
    trusted_proxies: str = Field(
        default="",
        description="Reverse proxies whose X-Forwarded-For names the client (audit, sign-in "
        "throttling): comma-separated IP addresses or CIDR networks; empty: none.",
    )

    @property
    def database(self) -> str:
        """The database URL in use: the configured one, or SQLite in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kypho.sqlite3').resolve()}"

    @field_validator("clinic_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Europe/London") from None
        return value

    @property
    def time_zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_time_zone)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        return ",".join(str(network) for network in proxy_networks(value))


IpNetwork = IPv4Network | IPv6Network


@cache
def proxy_networks(text: str) -> tuple[IpNetwork, ...]:
    """The networks of a ``KYPHO_TRUSTED_PROXIES`` value ("10.0.0.5, 10.1.0.0/16"; "": none).

    A bare address is a network of one. Raises ``ValueError`` for an item that is neither,
    or a network with host bits set (``10.0.0.1/8``: ``10.0.0.0/8`` was meant, or not).
    """
    if not text.strip():
        return ()
    networks = []
    for item in (part.strip() for part in text.split(",")):
        try:
            networks.append(ip_network(item))
        except ValueError:
            try:
                meant = f" (host bits set: {ip_network(item, strict=False)} is the network)"
            except ValueError:
                meant = ""
            raise ValueError(
                "expected IP addresses or CIDR networks separated by commas (such as "
                f"10.0.0.5,10.1.0.0/16), found {item!r} among them{meant}"
            ) from None
    return tuple(networks)


def load_settings(**overrides: object) -> Settings:
    """Read the environment once (``KYPHO_*``); a bad value is ``InvalidInput`` naming it."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except SettingsError as err:  # a value that is not even parseable (a list not in JSON)
        field = str(err).split('"')[1] if '"' in str(err) else "*"
        raise InvalidInput(
            f'KYPHO_{field.upper()}: expected a JSON value such as ["practice"], could not read it'
        ) from None
    except ValidationError as err:
        first = err.errors()[0]
        name = "KYPHO_" + str(first["loc"][0]).upper() if first["loc"] else "KYPHO_*"
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"{name}: {msg}; got {first.get('input')!r}") from None
