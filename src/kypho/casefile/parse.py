"""Read a case file: text or path in, a validated domain ``Case`` out."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from kypho.casefile.convert import case_from_model
from kypho.casefile.decode import decode
from kypho.casefile.messages import from_domain_error, from_validation_error
from kypho.casefile.schema import CaseModel
from kypho.domain import Case
from kypho.errors import InvalidCaseFile, InvalidInput

# The default of kypho.config.Settings.max_case_file_bytes (KYPHO_MAX_CASE_FILE_BYTES);
# entry points pass the setting. A test keeps the two equal.
MAX_CASE_FILE_BYTES = 2_000_000


def parse_case(text: str, *, source: str = "<string>") -> Case:
    """The ``Case`` a JSON case file describes; the case keeps ``source`` for messages.

    Raises
    ------
    InvalidCaseFile
        One message naming ``source``, the field path, what was expected and what
        was found, and how many further problems there are.
    """
    decode(text, source)
    try:
        model = CaseModel.model_validate_json(text)
    except ValidationError as err:
        raise from_validation_error(err, source=source) from None
    try:
        return case_from_model(model, source=source)
    except InvalidInput as err:
        raise from_domain_error(err, source=source) from err


def _read_bytes(path: Path, source: str, max_bytes: int) -> bytes:
    """At most ``max_bytes`` bytes of the file, refusing a larger one before reading it."""
    too_big = f"{source}: expected a case file of at most {max_bytes} bytes"
    limit = "; the limit is the setting KYPHO_MAX_CASE_FILE_BYTES"
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidCaseFile(f"{too_big}, got {size} bytes{limit}", source=source)
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise InvalidCaseFile(
            f"{source}: cannot read the case file: {reason}", source=source
        ) from None
    if len(raw) > max_bytes:
        raise InvalidCaseFile(f"{too_big}, got more{limit}", source=source)
    return raw


def load_case(path: Path, *, max_bytes: int = MAX_CASE_FILE_BYTES) -> Case:
    """Read and validate the case file at ``path`` (UTF-8, a byte-order mark allowed).

    Parameters
    ----------
    max_bytes
        Largest file accepted, in bytes; a larger file is refused before it is read.
    """
    source = str(path)
    raw = _read_bytes(path, source, max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidCaseFile(
            f"{source}: expected UTF-8 text, got byte 0x{err.object[err.start]:02x} "
            f"at offset {err.start}",
            source=source,
        ) from None
    return parse_case(text, source=source)
