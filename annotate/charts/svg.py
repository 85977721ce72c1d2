"""Charts as hand-written inline SVG (no chart library, no external assets).

Every chart prints its numbers, labels its axes and distinguishes series by marker shape and
dash pattern as well as colour, so it reads in greyscale and with colour-vision deficiencies.
Each function returns :class:`markupsafe.Markup`; every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = 'font-family="system-ui, sans-serif" font-size="12"'
SERIES = [("#1f4e9c", "", "circle"), ("#b3541e", "6 4", "square"), ("#2e7d32", "2 3", "triangle")]


def _fmt(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" class="chart" role="img" aria-label="{t}" {FONT}>'
        f"<title>{t}</title>" + "".join(body) + "</svg>"
    )


def interval_chart(
    rows: Sequence[tuple[str, float | None, float | None, float | None]],
    *,
    title: str,
    axis_label: str,
    lo: float = 0.0,
    hi: float = 1.0,
    threshold: float | None = None,
    threshold_label: str = "",
    undefined_label: str = "undefined",
) -> Markup:
    """Dot-and-whisker chart: one row per ``(label, value, ci_low, ci_high)``; a row without
    a value says ``undefined_label`` (the caller's translation)."""
    vals = [v for r in rows for v in r[1:] if v is not None]
    lo = min([lo, *vals])
    lo = float(int(lo * 10 - (1 if lo < 0 else 0))) / 10 if lo < 0 else lo
    left, right, top, row_h = 190, 110, 20, 28
    width = 720
    plot_w = width - left - right
    height = top + row_h * len(rows) + 50

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    body = []
    ticks = [lo + i * (hi - lo) / 5 for i in range(6)]
    for t in ticks:
        body.append(
            f'<line x1="{x(t):.1f}" y1="{top - 5}" x2="{x(t):.1f}" '
            f'y2="{height - 40}" stroke="#ddd"/>'
            f'<text x="{x(t):.1f}" y="{height - 26}" text-anchor="middle">{t:.1f}</text>'
        )
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
        f'font-weight="600">{escape(axis_label)}</text>'
    )
    if threshold is not None and lo <= threshold <= hi:
        body.append(
            f'<line x1="{x(threshold):.1f}" y1="{top - 8}" x2="{x(threshold):.1f}" '
            f'y2="{height - 40}" stroke="#a00" stroke-dasharray="5 3"/>'
            f'<text x="{x(threshold) + 3:.1f}" y="{top - 9}" fill="#a00">'
            f"{escape(threshold_label)} {threshold:.2f}</text>"
        )
    for i, (label, value, low, high) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        body.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        if value is None:
            body.append(
                f'<text x="{left + 4}" y="{y + 4:.1f}" fill="#666" font-style="italic">'
                f"{escape(undefined_label)}</text>"
            )
            continue
        if low is not None and high is not None:
            body.append(
                f'<line x1="{x(low):.1f}" y1="{y:.1f}" x2="{x(high):.1f}" y2="{y:.1f}" '
                f'stroke="#1f4e9c" stroke-width="2"/>'
                f'<line x1="{x(low):.1f}" y1="{y - 6:.1f}" x2="{x(low):.1f}" '
                f'y2="{y + 6:.1f}" stroke="#1f4e9c" stroke-width="2"/>'
                f'<line x1="{x(high):.1f}" y1="{y - 6:.1f}" x2="{x(high):.1f}" '
                f'y2="{y + 6:.1f}" stroke="#1f4e9c" stroke-width="2"/>'
            )
        body.append(f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="5" fill="#1f4e9c"/>')
        ci = f" [{_fmt(low)}, {_fmt(high)}]" if low is not None else ""
        body.append(f'<text x="{width - right + 6}" y="{y + 4:.1f}">{_fmt(value)}{ci}</text>')
    return _svg(width, height, title, body)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} '
            f'{x + 5:.1f},{y + 4:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'


def line_chart(
    xlabels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    lo: float = 0.0,
    hi: float = 1.0,
) -> Markup:
    """Lines over categories (e.g. weeks); each series has its own marker and dash."""
    vals = [v for _, s in series for v in s if v is not None]
    lo = min([lo, *vals])
    left, right, top, bottom = 60, 20, 40 + 18 * len(series), 60
    width = 720
    height = top + 220 + bottom
    plot_w, plot_h = width - left - right, 220
    n = max(len(xlabels), 1)

    def x(i: int) -> float:
        return left + (i + 0.5) * plot_w / n

    def y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    body = []
    for k in range(6):
        t = lo + k * (hi - lo) / 5
        body.append(
            f'<line x1="{left}" y1="{y(t):.1f}" x2="{width - right}" y2="{y(t):.1f}" '
            f'stroke="#ddd"/><text x="{left - 6}" y="{y(t) + 4:.1f}" '
            f'text-anchor="end">{t:.1f}</text>'
        )
    for i, label in enumerate(xlabels):
        body.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" text-anchor="middle" '
        f'font-weight="600">{escape(x_label)}</text>'
        f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" font-weight="600" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    for s_i, (name, values) in enumerate(series):
        colour, dash, shape = SERIES[s_i % len(SERIES)]
        ly = 16 + 18 * s_i
        body.append(
            f'<line x1="{left}" y1="{ly}" x2="{left + 30}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            + _marker(shape, left + 15, ly, colour)
            + f'<text x="{left + 38}" y="{ly + 4}">{escape(name)}</text>'
        )
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="{dash}"/>'
            )
        for i, v in enumerate(values):
            if v is None:
                continue
            body.append(
                _marker(shape, x(i), y(v), colour)
                + f'<text x="{x(i) + 7:.1f}" y="{y(v) - 7 + 14 * s_i:.1f}" '
                f'fill="{colour}">{v:.2f}</text>'
            )
    return _svg(width, height, title, body)


def _shade(share: float) -> str:
    level = int(245 - 150 * max(0.0, min(1.0, share)))
    return f"rgb({level},{level + 5 if level < 250 else 250},255)"


def matrix_chart(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    cells: Sequence[Sequence[float | int | None]],
    *,
    title: str,
    row_title: str,
    col_title: str,
    digits: int = 2,
    shade_by_row: bool = False,
    mark_diagonal: bool = False,
) -> Markup:
    """A heatmap with the number printed in every cell (``—`` for undefined)."""
    cell = 64
    left, top = 130, 70
    width = left + cell * len(col_labels) + 20
    height = top + cell * len(row_labels) + 20
    body = [
        f'<text x="{left + cell * len(col_labels) / 2:.1f}" y="16" text-anchor="middle" '
        f'font-weight="600">{escape(col_title)}</text>',
        f'<text x="12" y="{top - 8}" font-weight="600">{escape(row_title)}</text>',
    ]
    for j, label in enumerate(col_labels):
        body.append(
            f'<text x="{left + cell * j + cell / 2:.1f}" y="{top - 10}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for i, label in enumerate(row_labels):
        row = cells[i]
        total = sum(v for v in row if v is not None) or 1
        body.append(
            f'<text x="{left - 8}" y="{top + cell * i + cell / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for j, v in enumerate(row):
            share = 0.0 if v is None else (v / total if shade_by_row else float(v))
            fill = "#f2f2f2" if v is None else _shade(share)
            cx, cy = left + cell * j, top + cell * i
            border = (
                'stroke="#333" stroke-width="2"' if mark_diagonal and i == j else 'stroke="#fff"'
            )
            text = "—" if v is None else (str(v) if isinstance(v, int) else f"{v:.{digits}f}")
            colour = "#fff" if share > 0.7 else "#000"
            body.append(
                f'<rect x="{cx}" y="{cy}" width="{cell}" height="{cell}" fill="{fill}" '
                f'{border}/><text x="{cx + cell / 2:.1f}" y="{cy + cell / 2 + 4:.1f}" '
                f'text-anchor="middle" fill="{colour}" font-weight="600">{text}</text>'
            )
    return _svg(width, height, title, body)
