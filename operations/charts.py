"""A dependency-free HTML+SVG line chart (one panel per series), for metrics and benchmark results."""

from __future__ import annotations

import datetime as dt
import html


def _panel(title: str, xs: list[float], ys: list[float], width: int = 720, height: int = 220) -> str:
    pad = 48
    if not ys:
        return f"<h3>{html.escape(title)}</h3><p>no data</p>"
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y1 = max(ys) or 1.0
    pts = " ".join(
        f"{pad + (x - x0) / (x1 - x0) * (width - 2 * pad):.1f},{height - pad - (y / y1) * (height - 2 * pad):.1f}"
        for x, y in zip(xs, ys, strict=True)
    )
    ticks = "".join(
        f'<text x="4" y="{height - pad - f * (height - 2 * pad) + 4:.0f}" font-size="11">{y1 * f:.1f}</text>'
        f'<line x1="{pad}" x2="{width - pad}" y1="{height - pad - f * (height - 2 * pad):.0f}" '
        f'y2="{height - pad - f * (height - 2 * pad):.0f}" stroke="#eee"/>'
        for f in (0, 0.5, 1)
    )
    return (
        f"<h3>{html.escape(title)}</h3><svg width='{width}' height='{height}' role='img'>{ticks}"
        f"<polyline fill='none' stroke='#1f6feb' stroke-width='2' points='{pts}'/></svg>"
    )


def line_chart_html(title: str, xs: list[float], series: dict[str, list[float]]) -> str:
    start = dt.datetime.fromtimestamp(min(xs), dt.timezone.utc).isoformat() if xs and xs[0] > 1e9 else ""
    panels = "".join(_panel(name, xs, ys) for name, ys in series.items())
    return (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<body style='font-family:sans-serif'><h2>{html.escape(title)}</h2><p>{start}</p>{panels}</body>"
    )
