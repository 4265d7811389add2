"""Every table, one module per area; importing this registers them all on ``Base.metadata``."""

from kypho.store.models.audit import AuditEvent
from kypho.store.models.cases import Assessment, Case, CaseVersion, Patient
from kypho.store.models.cds_jti import CdsJti  # noqa: F401 (registers the table)
from kypho.store.models.imaging import Measurement
from kypho.store.models.patient_versions import PatientVersion
from kypho.store.models.people import ApiToken, SignInAttempt, User, WebSession
from kypho.store.models.plans import IssuedDocument, Plan
from kypho.store.models.schedule import Appointment, Room
from kypho.store.models.screening import ScreeningFinding
from kypho.store.models.stages import CaseStageRow

__all__ = [
    "ApiToken",
    "Appointment",
    "Assessment",
    "AuditEvent",
    "Case",
    "CaseStageRow",
    "CaseVersion",
    "IssuedDocument",
    "Measurement",
    "Patient",
    "PatientVersion",
    "Plan",
    "Room",
    "ScreeningFinding",
    "SignInAttempt",
    "User",
    "WebSession",
]
