"""Sort one finished run into ok or a failure class, with a signature for grouping.

A traceback is named by its exception type and innermost kypho frame; a wrong exit
status by the oracle's reason or kypho's message with names and numbers blanked; a
message fault by what is wrong with it (no message, library wording, the input not
named, ``nan`` or ``inf`` printed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

RSS_LIMIT_BYTES = 2 * 1024**3  # issue 15: a process over 2 GiB is a failure
OK_EXITS = frozenset({0, 1, 2})
_NON_NUMBER = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
# Wording of the libraries underneath, never to be shown to a user (issue 15 item 6).
_INTERNALS = (
    "Input should be",
    "For further information visit",
    "pydantic",
    "Invalid JSON:",
    "lone leading surrogate",
    "ValidationError",
    "tomllib",
    "TOMLDecodeError",
    "Errno",
    "RuntimeWarning",
)


@dataclass(frozen=True, slots=True)
class Run:
    """What one child did."""

    exit_code: int  # the exit status, or -signal when killed
    stdout: str
    stderr: str
    rss_bytes: int
    seconds: float
    hung: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """``kind`` is "ok" or a failure class; ``signature`` groups failures into kinds."""

    kind: str
    signature: str = ""
    detail: str = ""


_FRAME = re.compile(r'File "([^"]*kypho[^"]*)", line \d+, in (\w+)')


def traceback_signature(stderr: str) -> str:
    """Exception type and the innermost kypho frame: ``OverflowError at recovery.py:fn``."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    kind = last.split(":", 1)[0].strip()
    frames = _FRAME.findall(stderr)
    where = f" at {Path(frames[-1][0]).name}:{frames[-1][1]}" if frames else ""
    return f"{kind}{where}"


def normalize(message: str, path: Path) -> str:
    """A message with its file name, quoted text and numbers blanked, for grouping."""
    text = message.replace(str(path), "FILE").replace(path.name, "FILE")
    text = re.sub(r'"[^"]*"|\'[^\']*\'', "S", text)
    text = re.sub(r"\d+", "N", text)
    return text[:90]


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith("kypho: error:"):
            return line
    lines = stderr.strip().splitlines()
    return lines[0] if lines else ""


def _names_input(argv: list[str], path: Path, message: str) -> bool:
    """The message names the input file, or (when the input is options) an option or the file."""
    if str(path) in argv or any(a.startswith(f"{path}/") for a in argv):
        return path.name in message  # a folder input: its files' paths contain its name
    files = [Path(t).name for t in argv[1:2]]
    return re.search(r"--[a-z]", message) is not None or any(f in message for f in files)


def _message_faults(run: Run, argv: list[str], path: Path) -> Verdict | None:
    error = _first_error(run.stderr)
    if run.exit_code == 2 and not error:
        return Verdict("wrong_exit", "exit 2 without a message")
    if run.exit_code == 0 and "kypho: error" in run.stderr:
        return Verdict("wrong_exit", "exit 0 with an error message", error)
    found = next((word for word in _INTERNALS if word in run.stderr), None)
    if found is not None:
        return Verdict("message", f"library wording {found!r}", error)
    if (
        run.exit_code == 2
        and error.startswith("kypho: error")
        and not _names_input(argv, path, error)
    ):
        return Verdict("message", "does not name the input: " + normalize(error, path), error)
    if run.exit_code in (0, 1) and _NON_NUMBER.search(run.stdout):
        hit = _NON_NUMBER.search(run.stdout)
        return Verdict("message", f"prints {hit[0] if hit else 'nan'!r}")
    return None


def classify(
    run: Run,
    *,
    argv: list[str],
    path: Path,
    valid: bool | None,
    why: str = "",
    check: Callable[[Run], Verdict | None] | None = None,
) -> Verdict:
    """Sort one run into ok, hang, memory, traceback, wrong_exit or message.

    ``check``, when given (an app target's oracle), replaces the CLI's message rules.
    """
    if run.hung:
        return Verdict("hang", "hang")
    if run.rss_bytes > RSS_LIMIT_BYTES or "MemoryError" in run.stderr:
        return Verdict("memory", "memory: " + traceback_signature(run.stderr))
    if run.exit_code not in OK_EXITS or "Traceback" in run.stderr:
        return Verdict("traceback", traceback_signature(run.stderr), run.stderr[-2000:])
    if valid is True and run.exit_code == 2:
        error = _first_error(run.stderr)
        return Verdict("wrong_exit", "refused though valid: " + normalize(error, path), error)
    if valid is False and run.exit_code in (0, 1):
        return Verdict("wrong_exit", "accepted though invalid: " + (why or "?"), why)
    if check is not None:
        return check(run) or Verdict("ok")
    return _message_faults(run, argv, path) or Verdict("ok")
