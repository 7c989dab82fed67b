"""Hand-written SVG charts: horizontal bars and (stacked) columns, sized in pixels, text escaped."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Callable

FONT = "font-family='system-ui, sans-serif' font-size='12'"
AXIS = "#9aa3ad"
INK = "#1f2933"
GRID = "#e4e7eb"


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: list[float]


def _open(width: int, height: int) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' {FONT}>")


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK) -> str:
    return f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' fill='{fill}'>{escape(content)}</text>"


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{h:.1f}' fill='{fill}' rx='2'>"
            f"<title>{escape(tip)}</title></rect>")


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    return f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{stroke}'/>"


def nice_ticks(peak: float, count: int = 4) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) from 0 to at least ``peak``."""
    if peak <= 0:
        return [0.0, 1.0]
    raw = peak / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [round(step * i, 10) for i in range(math.ceil(peak / step - 1e-9) + 1)]


def horizontal_bars(labels: list[str], values: list[float], *, color: str, label: Callable[[float], str],
                    maximum: float | None = None, width: int = 560, bar: int = 22) -> str:
    """One bar per label, longest = ``maximum`` (default: the largest value), value printed at its end."""
    left, right, gap = 130, 80, 8
    top = maximum if maximum is not None else max(values, default=0) or 1
    height = len(labels) * (bar + gap) + gap
    parts = [_open(width, height)]
    for row, (name, value) in enumerate(zip(labels, values)):
        y = gap + row * (bar + gap)
        length = max(1.0, (width - left - right) * min(value, top) / top) if value else 0
        parts.append(_text(left - 8, y + bar * 0.7, name, anchor="end"))
        parts.append(_rect(left, y, length, bar, color, f"{name}: {label(value)}"))
        parts.append(_text(left + length + 6, y + bar * 0.7, label(value)))
    parts.append(_line(left, 0, left, height, AXIS) + "</svg>")
    return "".join(parts)


def columns(categories: list[str], series: list[Series], *, x_label: str, label: Callable[[float], str],
            width: int = 560, height: int = 260) -> str:
    """Columns per category, the series stacked bottom-up, totals on top, a legend and a y axis of round ticks."""
    left, right, top, bottom = 56, 12, 28, 36
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0))
    peak, plot_w, plot_h = ticks[-1], width - left - right, height - top - bottom
    floor = top + plot_h
    slot = plot_w / max(1, len(categories))
    col = min(48.0, slot * 0.7)
    parts = [_open(width, height)]
    for value in ticks:
        y = floor - plot_h * value / peak
        parts.append(_line(left, y, width - right, y, GRID) + _text(left - 6, y + 4, label(value), anchor="end",
                                                                    fill=AXIS))
    for i, category in enumerate(categories):
        x, base = left + slot * i + (slot - col) / 2, floor
        for s in series:
            h = plot_h * s.values[i] / peak
            if h > 0:
                base -= h
                parts.append(_rect(x, base, col, h, s.color, f"{category}: {label(s.values[i])} {s.name}"))
        parts.append(_text(x + col / 2, base - 4, label(totals[i]), anchor="middle"))
        parts.append(_text(x + col / 2, floor + 16, category, anchor="middle"))
    parts.append(_text(left + plot_w / 2, height - 4, x_label, anchor="middle", fill=AXIS))
    x = left
    for s in series:
        parts.append(f"<rect x='{x}' y='6' width='12' height='12' fill='{s.color}'/>" + _text(x + 16, 16, s.name))
        x += 24 + 8 * len(s.name)
    parts.append(_line(left, floor, width - right, floor, AXIS) + "</svg>")
    return "".join(parts)
