"""One self-contained HTML page: the 3-D model, play/pause, a button per step, captions.

plotly writes the figure with its JavaScript inline (``include_plotlyjs=True``), so the
page works offline from one file; plotly.js is MIT-licensed (its notice is in the
inlined bundle). Every scene is a plotly frame; the neighbours never move, so frames
carry only the other trace slots. Captions change with the frame shown.
"""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np

from kypho.education.anatomy import BodyFrame
from kypho.education.captions import DISCLAIMER, SOURCES, Caption
from kypho.education.steps import Part, Procedure, view_eye

DIV_ID = "kypho-education"
FRAME_MS = 700  # each frame of a moving step; a step of 4 frames lasts about 3 s
COLOURS = {"bone": "#e3d3b0", "fractured": "#d9534f", "needle": "#4d4d4d", "balloon": "#3a7bd5",
           "cement": "#f2b705", "before": "#b8b8b8"}  # fmt: skip
OPACITY = {"bone": 0.55, "fractured": 0.45, "needle": 1.0, "balloon": 0.9, "cement": 1.0,
           "before": 0.35}  # fmt: skip


def part_style(role: str) -> tuple[str, float]:
    key = "before" if role.startswith("before") else role
    return COLOURS[key], OPACITY[key]


def _trace(part: Part | None) -> dict[str, Any]:
    if part is None:  # an empty slot: nothing drawn in this frame
        return {"type": "mesh3d", "x": [], "y": [], "z": [], "i": [], "j": [], "k": []}
    colour, opacity = part_style(part.role)
    v = part.mesh.vertices.astype(np.float32)  # 4 bytes a coordinate: well under 0.01 mm
    f = part.mesh.faces.astype(np.int32)
    return {"type": "mesh3d", "x": v[:, 0], "y": v[:, 1], "z": v[:, 2], "i": f[:, 0],
            "j": f[:, 1], "k": f[:, 2], "color": colour, "opacity": opacity,
            "flatshading": False, "hoverinfo": "skip", "name": part.role,
            "lighting": {"ambient": 0.5, "diffuse": 0.8, "specular": 0.2}}  # fmt: skip


def _camera(frame: BodyFrame) -> dict[str, Any]:
    """From the patient's left, a little in front and above: the side view shows the lift."""
    eye = view_eye(frame)
    up = frame.superior
    return {"eye": dict(zip("xyz", map(float, eye), strict=True)),
            "up": dict(zip("xyz", map(float, up), strict=True))}  # fmt: skip


def figure(procedure: Procedure, frame: BodyFrame) -> Any:
    """The plotly figure: first scene as data, every scene as a named frame."""
    import plotly.graph_objects as go  # type: ignore[import-untyped]

    scenes = [scene for step in procedure.steps for scene in step.frames]
    fixed = sum(1 for p in scenes[0] if p.role == "bone")
    slots = max(len(s) for s in scenes)
    moving = list(range(fixed, slots))

    def traces(scene: tuple[Part, ...], wanted: list[int]) -> list[dict[str, Any]]:
        return [_trace(scene[i] if i < len(scene) else None) for i in wanted]

    frames = [
        go.Frame(name=f"{n}-{k}", data=traces(scene, moving), traces=moving)
        for n, step in enumerate(procedure.steps)
        for k, scene in enumerate(step.frames)
    ]
    fig = go.Figure(data=traces(scenes[0], list(range(slots))), frames=frames)
    hidden = {"visible": False}
    fig.update_layout(
        scene={"aspectmode": "data", "xaxis": hidden, "yaxis": hidden, "zaxis": hidden,
               "camera": _camera(frame)},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False, paper_bgcolor="white",
        height=520,
    )  # fmt: skip
    return fig


_SCRIPT = """
window.addEventListener("load", function () {
  var gd = document.getElementById(%(div)s), steps = %(steps)s;
  var asked = Number(new URLSearchParams(location.search).get("frame_ms"));
  var ms = asked > 0 ? asked : %(ms)d, shown = 0;
  var names = [], stepOf = {};
  steps.forEach(function (s, i) {
    s.frames.forEach(function (f) { names.push(f); stepOf[f] = i; }); });
  function caption(i) {
    document.getElementById("step-title").textContent = (i + 1) + ". " + steps[i].title;
    document.getElementById("step-text").textContent = steps[i].text;
    document.getElementById("step-sources").textContent = steps[i].sources;
    document.querySelectorAll(".step").forEach(function (b, k) {
      b.setAttribute("aria-pressed", k === i ? "true" : "false"); });
  }
  function run(frames) {  // a newer click interrupts an animation: not an error
    Plotly.animate(gd, frames, {frame: {duration: ms, redraw: true},
      transition: {duration: 0}, mode: "immediate"}).catch(function () {});
  }
  gd.on("plotly_animatingframe", function (e) { shown = stepOf[e.name]; caption(shown); });
  gd.on("plotly_animated", function () { document.body.setAttribute("data-shown", shown); });
  document.getElementById("play").onclick = function () { run(names); };
  document.getElementById("pause").onclick = function () {
    Plotly.animate(gd, [null], {frame: {duration: 0, redraw: false}, mode: "immediate"})
      .catch(function () {}); };
  document.querySelectorAll(".step").forEach(function (b, i) {
    b.onclick = function () {
      document.body.removeAttribute("data-shown"); caption(i); run(steps[i].frames); }; });
  caption(0);
  document.body.setAttribute("data-ready", "true");
});
"""


def page_html(procedure: Procedure, frame: BodyFrame, found: tuple[Caption, ...]) -> str:
    """The whole page; ``found`` are the captions, one per step."""
    fig = figure(procedure, frame)
    plot = fig.to_html(include_plotlyjs=True, full_html=False, div_id=DIV_ID, auto_play=False,
                       config={"displaylogo": False, "responsive": True})  # fmt: skip
    steps = [
        {"title": c.title, "text": c.text,
         "sources": "Sources: " + ", ".join(f"[{n}]" for n in c.sources) if c.sources else "",
         "frames": [f"{n}-{k}" for k in range(len(step.frames))]}
        for n, (c, step) in enumerate(zip(found, procedure.steps, strict=True))
    ]  # fmt: skip
    buttons = "".join(
        f'<button class="step" type="button">{n}. {html.escape(c.title)}</button>'
        for n, c in enumerate(found, start=1)
    )
    sources = "".join(f"<li>{html.escape(s)}</li>" for s in SOURCES)
    banner = (
        "<p class='standard'>Standard model, not your own bone.</p>" if procedure.standard else ""
    )
    script = _SCRIPT % {"div": json.dumps(DIV_ID), "steps": json.dumps(steps), "ms": FRAME_MS}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your treatment, step by step ({html.escape(procedure.level)})</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.5}}
button{{font-size:1rem;margin:.2rem;padding:.4rem .8rem}}
button[aria-pressed=true]{{background:#333;color:#fff}}
.standard{{background:#fff3cd;padding:.5rem;font-weight:bold}}
#step-text{{font-size:1.15rem}}</style></head>
<body><h1>Your treatment, step by step</h1>{banner}
{plot}
<div><button id="play" type="button">Play</button><button id="pause" type="button">Pause</button>
{buttons}</div>
<h2 id="step-title"></h2><p id="step-text"></p><p id="step-sources"></p>
<h2>Where the numbers come from</h2><ol>{sources}</ol>
<p><em>{html.escape(DISCLAIMER)}</em></p>
<script>{script}</script></body></html>
"""
