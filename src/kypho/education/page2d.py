"""One self-contained HTML page of the side view drawn from landmarks: SVG, play/pause, captions.

Every scene is an SVG group in mm (front to the viewer's left, as seen from the patient's
left side, like the 3-D model's camera); a few lines of inline JavaScript show one group
at a time. No library, nothing fetched: the page works offline from one file.
``?frame_ms=N`` shortens the frames (tests).
"""

from __future__ import annotations

import html
import json

import numpy as np

from kypho.education.captions import DISCLAIMER, SOURCES, Caption
from kypho.education.page import DIV_ID, FRAME_MS, part_style
from kypho.education.sideview import SideProcedure
from kypho.education.steps2d import Floats, Scene, Shape

MARGIN_MM = 8.0
LABEL_MM = 5.0  # text height of a vertebra's name, in the drawing's mm
SCALE_BAR_MM = 10.0
LABEL = "Drawn from landmarks (2-D)"
SCHEMATIC = (
    "The path of the needle is a sketch: the points marked on the scan do not show the "
    "pedicles (the bridges of bone at the back) it passes through."
)
TWO_NEEDLES = (
    "Two needles, one on each side: in a side view they lie one behind the other, so the "
    "second is drawn a little higher."
)


def screen(points: Floats) -> Floats:
    """Plane (a front, s up) mm -> SVG (x right, y down) mm: the front to the left."""
    return np.stack([-points[:, 0], -points[:, 1]], axis=1)


def view_box(scenes: tuple[Scene, ...]) -> str:
    """``x y width height`` (mm) holding every shape of ``scenes`` with a margin."""
    pts = screen(np.concatenate([s.points for scene in scenes for s in scene]))
    lo, hi = pts.min(axis=0) - MARGIN_MM, pts.max(axis=0) + MARGIN_MM
    lo[0] -= 3 * LABEL_MM  # room for the names in front of the bodies
    lo[1] -= 2 * LABEL_MM  # and for the words above
    return " ".join(f"{v:.1f}" for v in (lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]))


def _shape(shape: Shape) -> str:
    colour, opacity = part_style(shape.role)
    pts = screen(shape.points)
    coords = " ".join(f"{x:.2f},{y:.2f}" for x, y in pts)
    svg = (f'<polygon class="{html.escape(shape.role)}" points="{coords}" fill="{colour}" '
           f'fill-opacity="{opacity}" stroke="#555" stroke-width="0.4"/>')  # fmt: skip
    if shape.label:  # in front of the body: the needles come from behind
        x, y = pts[:, 0].min() - 2.0, pts[:, 1].mean() + LABEL_MM / 3
        svg += (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{LABEL_MM}" fill="#333" '
                f'text-anchor="end">{html.escape(shape.label)}</text>')  # fmt: skip
    return svg


def columns(scene: Scene) -> list[tuple[str, float, float]]:
    """("Before"/"After", x centre, top y) in screen mm, for a scene holding a pale copy."""
    found = []
    for word, pale in (("Before", True), ("After", False)):
        shapes = [s for s in scene if s.role.startswith("before") == pale]
        if shapes and any(s.role.startswith("before") for s in scene):
            pts = screen(np.concatenate([s.points for s in shapes]))
            found.append((word, float(pts[:, 0].mean()), float(pts[:, 1].min())))
    return found


def _legend(box: str) -> str:
    """ "front" and "back" along the top, and a 1 cm scale bar under "front"."""
    x, y, w, _ = (float(v) for v in box.split())
    top, bar_y, size = y + LABEL_MM, y + 1.6 * LABEL_MM, LABEL_MM
    end = x + 2 + SCALE_BAR_MM
    return (f'<text x="{x + 2:.1f}" y="{top:.1f}" font-size="{size}" fill="#666">front</text>'
            f'<text x="{x + w - 2:.1f}" y="{top:.1f}" font-size="{size}" fill="#666" '
            f'text-anchor="end">back</text>'
            f'<line x1="{x + 2:.1f}" y1="{bar_y:.1f}" x2="{end:.1f}" y2="{bar_y:.1f}" '
            f'stroke="#333" stroke-width="0.8"/>'
            f'<text x="{end + 2:.1f}" y="{bar_y + size / 3:.1f}" font-size="{0.7 * size:.1f}" '
            f'fill="#333">1 cm</text>')  # fmt: skip


def _frame(scene: Scene, box: str, step: int) -> str:
    heads = "".join(f'<text x="{cx:.1f}" y="{top - 2:.1f}" font-size="{LABEL_MM}" '
                    f'text-anchor="middle" fill="#333">{word}</text>'
                    for word, cx, top in columns(scene))  # fmt: skip
    shapes = "".join(_shape(s) for s in scene)
    return (f'<g class="frame" data-step="{step}" data-viewbox="{box}" style="display:none">'
            f"{_legend(box)}{heads}{shapes}</g>")  # fmt: skip


def svg(procedure: SideProcedure) -> str:
    """The drawing: one group per scene; the last step framed on its own (it is wider)."""
    steps = procedure.steps
    boxes = (view_box(tuple(f for s in steps[:-1] for f in s.frames)), view_box(steps[-1].frames))
    groups = "".join(
        _frame(scene, boxes[1] if n == len(steps) - 1 else boxes[0], n)
        for n, step in enumerate(steps)
        for scene in step.frames
    )
    return (f'<svg id="{DIV_ID}" xmlns="http://www.w3.org/2000/svg" viewBox="{boxes[0]}" '
            f'role="img" aria-label="{LABEL}" style="width:100%;height:520px;background:#fff">'
            f"{groups}</svg>")  # fmt: skip


_SCRIPT = """
window.addEventListener("load", function () {
  var steps = %(steps)s, svg = document.getElementById(%(div)s);
  var frames = Array.prototype.slice.call(svg.querySelectorAll("g.frame"));
  var asked = Number(new URLSearchParams(location.search).get("frame_ms"));
  var ms = asked > 0 ? asked : %(ms)d, timer = null;
  function caption(i) {
    document.getElementById("step-title").textContent = (i + 1) + ". " + steps[i].title;
    document.getElementById("step-text").textContent = steps[i].text;
    document.getElementById("step-sources").textContent = steps[i].sources;
    document.querySelectorAll(".step").forEach(function (b, k) {
      b.setAttribute("aria-pressed", k === i ? "true" : "false"); });
  }
  function show(k) {
    frames.forEach(function (g, i) { g.style.display = i === k ? "" : "none"; });
    svg.setAttribute("viewBox", frames[k].getAttribute("data-viewbox"));
    caption(Number(frames[k].getAttribute("data-step")));
  }
  function run(list, done) {
    clearTimeout(timer);
    var i = 0;
    (function next() {
      show(list[i]); i += 1;
      timer = setTimeout(i < list.length ? next : done, ms);
    })();
  }
  function range(a, b) { var r = []; for (var k = a; k < b; k += 1) { r.push(k); } return r; }
  function finished(i) { return function () { document.body.setAttribute("data-shown", i); }; }
  document.getElementById("play").onclick = function () {
    document.body.removeAttribute("data-shown");
    run(range(0, frames.length), finished(steps.length - 1)); };
  document.getElementById("pause").onclick = function () { clearTimeout(timer); };
  document.querySelectorAll(".step").forEach(function (b, i) {
    b.onclick = function () {
      document.body.removeAttribute("data-shown");
      run(range(steps[i].first, steps[i].first + steps[i].count), finished(i)); }; });
  show(0);
  document.body.setAttribute("data-ready", "true");
});
"""


def _steps_json(procedure: SideProcedure, found: tuple[Caption, ...]) -> str:
    first, steps = 0, []
    for c, step in zip(found, procedure.steps, strict=True):
        sources = "Sources: " + ", ".join(f"[{n}]" for n in c.sources) if c.sources else ""
        steps.append({"title": c.title, "text": c.text, "sources": sources, "first": first,
                      "count": len(step.frames)})  # fmt: skip
        first += len(step.frames)
    return json.dumps(steps)


def page_html_2d(procedure: SideProcedure, found: tuple[Caption, ...]) -> str:
    """The whole page; ``found`` are the captions, one per step."""
    buttons = "".join(
        f'<button class="step" type="button">{n}. {html.escape(c.title)}</button>'
        for n, c in enumerate(found, start=1)
    )
    sources = "".join(f"<li>{html.escape(s)}</li>" for s in SOURCES)
    two = f" {TWO_NEEDLES}" if procedure.approach != "unipedicular" else ""
    script = _SCRIPT % {"div": json.dumps(DIV_ID), "steps": _steps_json(procedure, found),
                        "ms": FRAME_MS}  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your treatment, step by step ({html.escape(procedure.level)})</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.5}}
button{{font-size:1rem;margin:.2rem;padding:.4rem .8rem}}
button[aria-pressed=true]{{background:#333;color:#fff}}
.drawn{{background:#e8f0fe;padding:.5rem}}
#step-text{{font-size:1.15rem}}</style></head>
<body><h1>Your treatment, step by step</h1>
<p class="drawn"><strong>{LABEL}.</strong> {html.escape(SCHEMATIC + two)}</p>
{svg(procedure)}
<div><button id="play" type="button">Play</button><button id="pause" type="button">Pause</button>
{buttons}</div>
<h2 id="step-title"></h2><p id="step-text"></p><p id="step-sources"></p>
<h2>Where the numbers come from</h2><ol>{sources}</ol>
<p><em>{html.escape(DISCLAIMER)}</em></p>
<script>{script}</script></body></html>
"""
