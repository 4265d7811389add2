"""Plain-language captions for each step, at the consent form's reading level.

Written for a 6th-8th grade reader, measured as the consent is (textstat's
Flesch-Kincaid grade, ``tests/education``). Each caption names its sources by number
in ``SOURCES``, the way the consent's figures do; the heights and the volume are the
ones the animation shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kypho.documents.types import PATIENT_DISCLAIMER
from kypho.education.steps import URL_FREE_VOLUME, URL_HEIGHT_GAIN, URL_HEIGHT_LOST_AGAIN

URL_EVOLVE = (
    "https://www.cns.org/meetings/archived-abstracts-detail/"
    "congress-of-neurological-surgeons-2017-annual-meeting-22958"
)
URL_KYPHON_PATIENT = "http://www.kyphon.com/us/Patient.aspx?contentid=16&siteid=1"
URL_UNI_BI = "https://pmc.ncbi.nlm.nih.gov/articles/PMC6197445"
SOURCES: tuple[str, ...] = (
    f"Height after kyphoplasty: mean gains 1.5 mm front, 2.1 mm middle, 0.9 mm back; the "
    f"first gain was not kept at 6 weeks and 1 year. clinical-reference.md §3.4; {URL_HEIGHT_GAIN}",
    f"17.5 % more front height after kyphoplasty, 12.8 % lost again by 3 months. "
    f"clinical-reference.md §3.4; {URL_HEIGHT_LOST_AGAIN}",
    f"EVOLVE: little change in shape despite large gains in pain and function. "
    f"clinical-reference.md §3.4; {URL_EVOLVE}",
    f"FREE: balloon volume matched cement volume, about 2.4 mL a side. "
    f"clinical-reference.md §4.2; {URL_FREE_VOLUME}",
    f"Usually two balloons, one on each side; a cut of about 1 cm. clinical-reference.md §4.1; "
    f"{URL_KYPHON_PATIENT}",
    f"One side or two: no real difference in pain or height. clinical-reference.md §4.3; "
    f"{URL_UNI_BI}",
)
DISCLAIMER = (
    "This picture helps explain the treatment. It is not a promise of how your bone will "
    "look. " + PATIENT_DISCLAIMER
)
STANDARD_NOTE = (
    "This is not a model of your own bone. It is a standard bone of this level, sized to "
    "what your scan report says."
)


SIDE_VIEW_NOTE = (
    "This drawing shows your spine from the side. It was made from points marked on your scan."
)
SIDE_VIEW_TUBE = "In this side view the path of the tube is only a sketch."
SIDE_VIEW_TWO_TUBES = "The two tubes lie one behind the other, so one is drawn a little higher."


NEIGHBOURS_SHOWN = {(True, True): " The bones above and below it are shown too.",
                    (True, False): " The bone above it is shown too.",
                    (False, True): " The bone below it is shown too."}  # fmt: skip


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


class Shown(Protocol):
    """What the captions need of a procedure: the 3-D one or the side view from landmarks."""

    @property
    def level(self) -> str: ...
    @property
    def approach(self) -> str: ...
    @property
    def steps(self) -> Sequence[_Keyed]: ...
    @property
    def heights_before_mm(self) -> tuple[float, float, float]: ...
    @property
    def heights_after_mm(self) -> tuple[float, float, float]: ...
    @property
    def cement_ml(self) -> float: ...
    @property
    def standard(self) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SideView:
    """The side view from landmarks: which neighbours are drawn (the words change)."""

    above: bool
    below: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Caption:
    title: str
    text: str
    sources: tuple[int, ...]  # 1-based numbers into SOURCES


def _mm(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _start(p: Shown, side: SideView | None) -> Caption:
    if side is not None:
        near = NEIGHBOURS_SHOWN.get((side.above, side.below), "")
        return Caption(title="Your spine", sources=(), text=(
            f"{SIDE_VIEW_NOTE} The bone in red is the broken one ({p.level}).{near}"))  # fmt: skip
    own = STANDARD_NOTE if p.standard else "This is a model of your spine, made from your scan."
    return Caption(title="Your spine", sources=(), text=(
        f"{own} The bone in red is the broken one ({p.level}). The bones above and below it "
        "are shown too. You can turn the model to look at it from any side."))  # fmt: skip


def _needles(p: Shown, side: SideView | None) -> Caption:
    if p.approach == "unipedicular":
        how = ("The doctor makes one small cut in your back. A thin tube goes into the bone "
               "from one side.")  # fmt: skip
    else:
        how = ("The doctor makes a small cut on each side of your back. A thin tube goes "
               "into the bone on each side.")  # fmt: skip
    if side is not None:
        two = f" {SIDE_VIEW_TWO_TUBES}" if p.approach != "unipedicular" else ""
        how = f"{how} {SIDE_VIEW_TUBE}{two}"
    return Caption(title="Thin tubes", sources=(5, 6), text=(
        f"{how} Each tube goes in through a narrow bridge of bone at the back, called the "
        "pedicle. X-ray pictures guide the doctor."))  # fmt: skip


def _balloon(p: Shown, _: SideView | None) -> Caption:
    gain = max(a - b for a, b in zip(p.heights_after_mm, p.heights_before_mm, strict=True))
    if gain <= 0:
        lift = "Your bone has not lost height, so the model does not lift it."
    else:
        lift = (f"It may lift the top of the bone a little. The model lifts it by up to "
                f"{_mm(gain)} mm. In studies the bone got about 1 to 2 mm taller on average. "
                "Some of this was often lost again later.")  # fmt: skip
    return Caption(title="The balloon", sources=(1, 2, 4), text=(
        "A small balloon goes in through each tube. It is filled slowly and makes a space "
        f"in the bone. {lift}"))  # fmt: skip


def _cement(p: Shown, _: SideView | None) -> Caption:
    return Caption(title="Bone cement", sources=(4,), text=(
        "The balloon comes out. Bone cement fills the space. Your plan uses about "
        f"{_mm(p.cement_ml)} mL in all. The cement hardens and "
        "holds the bone in place."))  # fmt: skip


def _after(_: Shown, side: SideView | None) -> Caption:
    what = "model" if side is None else "drawing"
    text = (
        f"The pale {what} is your bone before. The other one shows how it may look after. The "
        "change in shape is small. The main goal is less pain, not a bone that looks new."
    )
    return Caption(title="Before and after", sources=(1, 2, 3), text=text)


def captions(procedure: Shown, *, side: SideView | None = None) -> tuple[Caption, ...]:
    """One caption per step, in the order of ``procedure.steps``; ``side`` for the side
    view drawn from landmarks (a drawing that cannot be turned, a sketched needle path)."""
    made = {"start": _start, "needles": _needles, "balloon": _balloon, "cement": _cement,
            "after": _after}  # fmt: skip
    return tuple(made[step.key](procedure, side) for step in procedure.steps)


def plain_text(found: tuple[Caption, ...]) -> str:
    """Every caption's words, as the reader reads them (for the reading-level check)."""
    return " ".join(c.text for c in found)
