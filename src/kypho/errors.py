"""Errors kypho raises on purpose.

::

    KyphoError
    ├── InvalidInput (also ValueError)
    │   ├── InvalidCaseFile
    │   ├── InvalidMeasurement
    │   └── ImageGeometryError
    ├── NotFound (also LookupError)
    ├── Conflict
    ├── Forbidden
    ├── RuleCatalogueError
    ├── InteropError
    └── Unavailable

A clinical "no" is never an exception: it is ``Outcome.NOT_MET`` in a decision.
Messages say what was expected, what was found, and (where it helps) what to do.
"""

from __future__ import annotations


class KyphoError(Exception):
    """Base of every error kypho raises on purpose."""


class InvalidInput(KyphoError, ValueError):
    """Input from a user or a file breaks a documented rule."""


class InvalidCaseFile(InvalidInput):
    """A case file is not valid JSON or breaks the case schema.

    ``field`` is the JSON path of the offending value (``fractures[0].level``).
    """

    def __init__(self, message: str, *, field: str = "", source: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.source = source


class InvalidMeasurement(InvalidInput):
    """A measurement is impossible (a negative height, a ratio above 1...)."""


class ImageGeometryError(InvalidInput):
    """An image's geometry cannot support the measurement asked of it."""


class NotFound(KyphoError, LookupError):
    """A named thing (policy, case, level) does not exist."""


class Conflict(KyphoError):
    """A save based on a version that is no longer current, or a double booking."""


class Forbidden(KyphoError):
    """The signed-in user's role may not do this."""


class RuleCatalogueError(KyphoError):
    """A policy file is malformed: duplicate ids, missing citation, unknown fact."""


class InteropError(KyphoError):
    """A foreign format (FHIR, DICOM, NIfTI) could not be translated."""


class Unavailable(KyphoError):
    """A resource kypho needs did not answer in time (the database's write lock): try again."""
