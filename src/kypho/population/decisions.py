"""One partition of an export decided under every policy: a pure function, no Dask in it.

Each case is read with the case-file reader (the same checks and messages as
``kypho assess CASE.json``) and decided by the decision-only path
(``kypho.rules.fast``: each policy compiled once per task into generated code,
``kypho.rules.codegen``), missing facts counted, no explanation built. A line that
cannot be read or decided becomes one row naming its line and the reason; the others
go on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from kypho.casefile import parse_case
from kypho.domain import Case
from kypho.errors import InvalidInput
from kypho.population.partitions import Partition, read
from kypho.rules import compile_policy
from kypho.rules.fast import decide_case
from kypho.rules.policy import policy_from_dict
from kypho.rules.types import TRIAGE_VERDICTS, Decision, PolicyKind

CANDIDATE = Decision.CANDIDATE

LEVEL_DECISION = pa.struct([("level", pa.string()), ("decision", pa.string())])
SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("line", pa.int64()),
        ("case_id", pa.string()),
        ("policy_id", pa.string()),
        ("policy_version", pa.string()),
        ("decision", pa.string()),
        ("verdict", pa.string()),
        ("levels", pa.list_(LEVEL_DECISION)),
        ("candidate_levels", pa.list_(pa.string())),
        ("missing_count", pa.int32()),
        ("error", pa.string()),
    ]
)


def decide_partition(
    part: Partition, policies: list[dict[str, Any]], *, on: date, max_line_bytes: int
) -> pa.Table:
    """Rows (``SCHEMA``) for every case of ``part``: one per policy, or one naming the error.

    ``policies`` are policy dicts (``policy_to_dict``): plain data, so a task can be
    sent to another process or machine.
    """
    compiled = [compile_policy(policy_from_dict(p)) for p in policies]
    rows: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for line, text in read(part):
        where = f"{part.path} line {line}"
        try:
            case = _case(text, where, max_line_bytes)
            verdicts = [decide_case(case, p, on=on, count_missing=True) for p in compiled]
        except InvalidInput as err:
            message = str(err)
            _add(rows, part.path, line, None, {"error": message if where in message
                                                 else f"{where}: {message}"})  # fmt: skip
            continue
        for policy, verdict in zip(compiled, verdicts, strict=True):
            meta = policy.policy
            decision = verdict.decision.value
            triage = meta.kind is PolicyKind.TRIAGE
            _add(rows, part.path, line, case.case_id, {
                "policy_id": meta.id,
                "policy_version": meta.version,
                "decision": decision,
                "verdict": TRIAGE_VERDICTS[verdict.decision] if triage else decision,
                "levels": [{"level": lv.value, "decision": d.value} for lv, d in verdict.levels],
                "candidate_levels": [lv.value for lv, d in verdict.levels if d is CANDIDATE],
                "missing_count": verdict.missing_count,
            })  # fmt: skip
    return pa.Table.from_pydict(rows, schema=SCHEMA)


def _case(text: str | None, where: str, max_line_bytes: int) -> Case:
    if text is None:
        raise InvalidInput(f"{where}: expected UTF-8 text, got bytes that are not")
    size = len(text.encode("utf-8")) if len(text) * 4 > max_line_bytes else len(text)
    if size > max_line_bytes:
        raise InvalidInput(
            f"{where}: expected a case of at most {max_line_bytes} bytes, got {size} bytes; "
            "the limit is the setting KYPHO_MAX_CASE_FILE_BYTES"
        )
    return parse_case(text, source=where)


def _add(
    rows: dict[str, list[Any]], source: str, line: int, case_id: str | None, values: dict[str, Any]
) -> None:
    row = {"source": source, "line": line, "case_id": case_id, **values}
    for name, column in rows.items():
        column.append(row.get(name))
