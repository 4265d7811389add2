"""The import report: every resource of the Bundle, used (for which fields) or ignored (why).

It names resources by their place in the Bundle and their type (``entry[3] (Observation)``),
never by an identifier, so it may be shown and logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ReportLine:
    resource: str  # "entry[3] (Observation)"
    detail: str  # the case fields it gave, or why it was ignored


@dataclass(slots=True)
class ImportReport:
    used: list[ReportLine] = field(default_factory=list)
    ignored: list[ReportLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts left unknown, and why

    def use(self, resource: str, detail: str) -> None:
        self.used.append(ReportLine(resource, detail))

    def ignore(self, resource: str, detail: str) -> None:
        self.ignored.append(ReportLine(resource, detail))

    def to_dict(self) -> dict[str, Any]:
        return {
            "used": [{"resource": r.resource, "gave": r.detail} for r in self.used],
            "ignored": [{"resource": r.resource, "why": r.detail} for r in self.ignored],
            "notes": list(self.notes),
        }

    def text(self) -> str:
        """The report as lines of text for the command line.

        >>> r = ImportReport(); r.use("entry[0] (Patient)", "patient.sex")
        >>> print(r.text())
        used 1, ignored 0
          used    entry[0] (Patient): patient.sex
        """
        lines = [f"used {len(self.used)}, ignored {len(self.ignored)}"]
        lines += [f"  used    {r.resource}: {r.detail}" for r in self.used]
        lines += [f"  ignored {r.resource}: {r.detail}" for r in self.ignored]
        lines += [f"  note    {n}" for n in self.notes]
        return "\n".join(lines)
