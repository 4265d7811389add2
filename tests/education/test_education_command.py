"""``kypho educate`` end to end: the files a patient gets, the page in Chromium, refusals.

Run through ``register`` on a local typer app, mapping user errors as ``kypho.cli.main``
does (one line on stderr, exit 2), until the lead registers the command in the CLI.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from PIL import Image

from education.kypho_education_support import (
    CASE_L1,
    CHROMIUM,
    CHROMIUM_ARGS,
    EXAMPLES,
    ON,
    as_image,
    case_l1,
    fk_grade,
    practice,
    segment,
)
from kypho.commands import educate
from kypho.education.animation import HEIGHT_PX, STEP_SECONDS, WIDTH_PX
from kypho.education.captions import DISCLAIMER, STANDARD_NOTE, captions, plain_text
from kypho.errors import InvalidInput, NotFound
from kypho.workflows.educate import prepare_education
from phantoms import wedge

MAX_FK_GRADE = 8.9  # the consent's target, as tests/documents asserts it
MAX_GIF_BYTES = 2_000_000  # small enough to e-mail
EXPECTED_FRAMES = 1 + 4 + 4 + 4 + 1  # still start, three moving steps, still result
STEP_PNGS = ("step-1-start.png", "step-2-needles.png", "step-3-balloon.png",
             "step-4-cement.png", "step-5-after.png")  # fmt: skip


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    app = typer.Typer(pretty_exceptions_enable=False)
    educate.register(app)
    app.callback()(lambda: None)
    try:
        typer.main.get_command(app).main(args=argv, prog_name="kypho")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 0
    except (InvalidInput, NotFound) as err:
        sys.stderr.write(f"kypho: error: {err}\n")
        code = 2
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def mask_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mask")
    as_image(segment(wedge("L1", anterior_height_mm=15.0), tilts_deg=[0, 6, 12]), folder)
    return folder / "mask.nii.gz"


@pytest.fixture(scope="module")
def made(mask_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("made") / "education"
    app = typer.Typer(pretty_exceptions_enable=False)
    educate.register(app)
    app.callback()(lambda: None)
    args = ["educate", str(CASE_L1), "--mask", str(mask_file), "--out", str(out),
            "--on", "2026-11-21"]  # fmt: skip
    try:
        typer.main.get_command(app).main(args=args, prog_name="kypho")
    except SystemExit as done:
        assert done.code in (0, None)
    return out


def assert_folder_holds_the_page_the_gif_the_pngs_and_the_consent(made: Path) -> None:
    """Shared with the 2-D command's tests: the same files, whatever drew them."""
    names = sorted(p.name for p in made.iterdir())
    expected = ["education.html", "education.gif", "consent-with-pictures.pdf", *STEP_PNGS]
    assert names == sorted(expected)


def assert_consent_carries_each_steps_key_frame(made: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(made / "consent-with-pictures.pdf")
    assert sum(len(page.images) for page in reader.pages) == len(STEP_PNGS)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "The treatment, step by step" in text and "Consent for balloon kyphoplasty" in text


def assert_gif_has_a_frame_per_scene_at_its_size(made: Path) -> None:
    """The GIF: small enough to e-mail, a frame per scene, a few seconds a step."""
    data = (made / "education.gif").read_bytes()
    assert len(data) <= MAX_GIF_BYTES
    gif = Image.open(io.BytesIO(data))
    assert gif.size == (WIDTH_PX, HEIGHT_PX)
    assert gif.n_frames == EXPECTED_FRAMES
    total_ms = 0
    for k in range(gif.n_frames):
        gif.seek(k)
        total_ms += gif.info["duration"]
    assert total_ms == pytest.approx(5 * STEP_SECONDS * 1000, abs=10)


def assert_key_frames_differ_step_to_step(made: Path) -> None:
    pictures = [np.asarray(Image.open(made / n).convert("L"), dtype=float) for n in STEP_PNGS]
    for picture in pictures:
        assert picture.shape == (HEIGHT_PX, WIDTH_PX)
        assert (picture < 200).mean() > 0.02  # something drawn on the white
    for a, b in zip(pictures, pictures[1:], strict=False):
        assert np.abs(a - b).mean() > 0.1


OUTPUT_CHECKS = (assert_folder_holds_the_page_the_gif_the_pngs_and_the_consent,
                 assert_consent_carries_each_steps_key_frame,
                 assert_gif_has_a_frame_per_scene_at_its_size,
                 assert_key_frames_differ_step_to_step)  # fmt: skip


@pytest.mark.parametrize("check", OUTPUT_CHECKS, ids=lambda c: c.__name__)
def test_the_outputs_from_a_mask(made: Path, check) -> None:  # noqa: ANN001
    check(made)


def test_the_page_is_self_contained(made: Path) -> None:
    page = (made / "education.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\ssrc=", page)  # every script inline
    assert not re.search(r"<link[^>]*\shref=", page)  # no stylesheet or font fetched
    assert "plotly.js v" in page  # the library inlined, with its version
    assert DISCLAIMER.split(". ")[0] in page
    assert STANDARD_NOTE not in page  # this one is the patient's own mask


def _shot(page) -> np.ndarray:  # noqa: ANN001
    png = page.locator("#kypho-education").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_the_page_in_chromium_draws_each_step_without_errors(made: Path) -> None:
    """Each step's button pressed; photographed once plotly has drawn its last frame.

    ``data-shown`` on the body says which step finished; ``?frame_ms=`` shortens the
    frames so the test does not sit through the animation.
    """
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 800})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((made / "education.html").as_uri() + "?frame_ms=40")
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            shots, titles = [], []
            for i, button in enumerate(page.query_selector_all("button.step")):
                button.click()
                page.wait_for_selector(f"body[data-shown='{i}']", timeout=30_000)
                page.wait_for_timeout(150)  # the last frame painted
                shots.append(_shot(page))
                titles.append(page.inner_text("#step-title"))
        finally:
            browser.close()
    assert errors == []
    assert titles == ["1. Your spine", "2. Thin tubes", "3. The balloon", "4. Bone cement",
                      "5. Before and after"]  # fmt: skip
    for shot in shots:
        assert (shot < 200).mean() > 0.02  # not a blank canvas
    for a, b in zip(shots, shots[1:], strict=False):
        assert np.abs(a - b).mean() > 0.1  # each step changes the picture


def test_captions_read_at_the_consents_level(monkeypatch: pytest.MonkeyPatch) -> None:
    made = prepare_education(case_l1(), practice(), on=ON)  # standard: the longest caption
    found = captions(made.procedure)
    assert found[0].text.startswith(STANDARD_NOTE)  # a standard model says so first
    text = plain_text(found) + " " + DISCLAIMER
    assert fk_grade(text, monkeypatch) <= MAX_FK_GRADE


def _case_without_fractures(folder: Path) -> Path:
    data = json.loads(CASE_L1.read_text(encoding="utf-8"))
    data.pop("fractures")
    path = folder / "no-fractures.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("case", "extra", "message"),
    [
        ("none", [], "fractures: expected a fractured level, found none"),
        (EXAMPLES / "09-discitis.json", [], "found the plan refused under policy practice"),
        (EXAMPLES / "13-fall-from-ladder-l3.json", ["--mask"],
         "expected level L3 in the mask, found T12, L1, L2"),
        (CASE_L1, ["--level", "L4"], "--level: expected a planned level (L1), got 'L4'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_message_and_exit_2(
    case, extra, message, mask_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _case_without_fractures(tmp_path) if case == "none" else case
    options = ["--mask", str(mask_file)] if extra == ["--mask"] else extra
    out_dir = tmp_path / "out"
    code, _, err = run(["educate", str(path), *options, "--out", str(out_dir),
                        "--on", "2026-11-21"], capsys)  # fmt: skip
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not out_dir.exists()  # nothing written


def test_an_out_path_that_is_a_file_is_refused(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(["educate", str(CASE_L1), "--out", str(blocker)], capsys)
    assert code == 2
    assert "--out: expected a folder, found a file" in err
    assert blocker.read_text(encoding="utf-8") == "x"
