"""``kypho educate --landmarks`` end to end: the files, the page in Chromium, refusals.

The landmarks are written by hand (T12, a wedge L1 of 15/20/26 mm, L2; AS frame).
Run through ``register`` on a local typer app, as ``test_education_command`` does.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from education.kypho_education_support import (
    CASE_L1,
    CHROMIUM,
    CHROMIUM_ARGS,
    ON,
    case_l1,
    fk_grade,
    landmark_levels,
    practice,
    write_landmarks,
)
from education.test_education_command import MAX_FK_GRADE, OUTPUT_CHECKS, run
from kypho.education.captions import DISCLAIMER, SIDE_VIEW_NOTE, SideView, captions, plain_text
from kypho.education.page2d import LABEL, SCHEMATIC
from kypho.education.sideview import LandmarkFile
from kypho.imaging.landmarks import load_landmarks
from kypho.workflows.educate import educate_case

DAY = ["--on", "2026-11-21"]


@pytest.fixture(scope="module")
def landmarks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("landmarks")
    return write_landmarks(folder / "spine-landmarks.json", landmark_levels())


@pytest.fixture(scope="module")
def made(landmarks_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import typer

    from kypho.commands import educate

    out = tmp_path_factory.mktemp("made2d") / "education"
    app = typer.Typer(pretty_exceptions_enable=False)
    educate.register(app)
    app.callback()(lambda: None)
    args = ["educate", str(CASE_L1), "--landmarks", str(landmarks_file), "--out", str(out), *DAY]
    try:
        typer.main.get_command(app).main(args=args, prog_name="kypho")
    except SystemExit as done:
        assert done.code in (0, None)
    return out


@pytest.mark.parametrize("check", OUTPUT_CHECKS, ids=lambda c: c.__name__)
def test_the_outputs_from_landmarks(made: Path, check) -> None:  # noqa: ANN001
    check(made)  # the same files and pictures as from a mask (test_education_command)


def test_the_page_is_self_contained_and_says_how_it_was_drawn(made: Path) -> None:
    page = (made / "education.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert not re.search(r"<link[^>]*\shref=", page)
    assert "Plotly" not in page  # plain SVG: no library at all
    assert LABEL in page and SCHEMATIC.split(":")[0] in page
    assert "one behind the other" in page  # EX-01 is bipedicular
    assert DISCLAIMER.split(". ")[0] in page


def _shot(page) -> np.ndarray:  # noqa: ANN001
    png = page.locator("#kypho-education").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_the_page_in_chromium_draws_each_step_without_errors(made: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 800})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((made / "education.html").as_uri() + "?frame_ms=40")
            page.wait_for_selector("body[data-ready=true]", timeout=30_000)
            shots, titles = [], []
            for i, button in enumerate(page.query_selector_all("button.step")):
                button.click()
                page.wait_for_selector(f"body[data-shown='{i}']", timeout=30_000)
                shots.append(_shot(page))
                titles.append(page.inner_text("#step-title"))
            page.click("#play")
            page.wait_for_selector("body[data-shown='4']", timeout=30_000)
        finally:
            browser.close()
    assert errors == []
    assert titles == ["1. Your spine", "2. Thin tubes", "3. The balloon", "4. Bone cement",
                      "5. Before and after"]  # fmt: skip
    for shot in shots:
        assert (shot < 200).mean() > 0.02  # not blank
    for a, b in zip(shots, shots[1:], strict=False):
        assert np.abs(a - b).mean() > 0.1  # each step changes the picture


def test_captions_read_at_the_consents_level(landmarks_file: Path, monkeypatch) -> None:
    source = LandmarkFile(path=landmarks_file, spine=load_landmarks(landmarks_file))
    made = educate_case(case_l1(), practice(), on=ON, landmarks=source)
    assert made.captions[0].text.startswith(SIDE_VIEW_NOTE)
    for side in (SideView(above=True, below=True), SideView(above=False, below=False)):
        text = plain_text(captions(made.procedure, side=side)) + " " + DISCLAIMER
        assert fk_grade(text, monkeypatch) <= MAX_FK_GRADE


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _no_fractures(folder: Path) -> Path:
    data = json.loads(CASE_L1.read_text(encoding="utf-8"))
    data.pop("fractures")
    return _file(folder, "no-fractures.json", json.dumps(data))


BAD = {
    "no L1": (lambda d: write_landmarks(d / "l.json", landmark_levels(levels=("T12", "L2"))),
              "l.json: expected level L1 in the landmarks, found T12, L2"),
    "bad JSON": (lambda d: _file(d, "l.json", '{"format": "kypho-landmarks/1", "levels": {'),
                 "l.json: line 1, column"),
    "swapped": (lambda d: write_landmarks(d / "l.json", landmark_levels(l1_mm=(-15.0, 20, 26))),
                "l.json: levels.L1.superior_anterior: expected at least"),
    "wrong format": (lambda d: _file(d, "l.json", '{"format": "x", "levels": {}}'),
                     'l.json: format: expected "kypho-landmarks/1"'),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD))
def test_bad_landmarks_are_one_message_naming_the_file_and_exit_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write, message = BAD[name]
    path = write(tmp_path)
    out_dir = tmp_path / "out"
    code, _, err = run(["educate", str(CASE_L1), "--landmarks", str(path), "--out",
                        str(out_dir), *DAY], capsys)  # fmt: skip
    assert code == 2
    assert message in err and str(path.parent) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out_dir.exists()


def test_no_fractured_level_and_both_inputs_are_refused(
    landmarks_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run(["educate", str(_no_fractures(tmp_path)), "--landmarks",
                        str(landmarks_file), "--out", str(out_dir), *DAY], capsys)  # fmt: skip
    assert code == 2 and "fractures: expected a fractured level, found none" in err
    code, _, err = run(["educate", str(CASE_L1), "--landmarks", str(landmarks_file), "--mask",
                        str(landmarks_file), "--out", str(out_dir), *DAY], capsys)  # fmt: skip
    assert code == 2 and "--mask, --landmarks: expected one of them, got both" in err
    assert not out_dir.exists()
