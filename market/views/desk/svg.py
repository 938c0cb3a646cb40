"""Server-rendered SVG charts (line, bars, fan, histogram): no script, scale to any width,
print in black and grey. Numbers come in plain; labels are escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

W, H = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 14, 40
SHADES = ("#c6d9ec", "#8fb3d9")  # outer and inner bands of a fan
COLOURS = ("#1f4e79", "#c0504d", "#4f8a3c", "#8064a2", "#d08a00", "#3b8ea5")
Fmt = Callable[[float], str]


def _plain(value: float) -> str:
    return f"{value:,.0f}"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    step = next((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), raw)
    v = (lo // step) * step
    out = [v]
    while v < hi - step * 1e-9:  # the last tick is at or above the highest value
        v += step
        out.append(v)
    return out


class _Frame:
    """Maps data to pixels and draws axes, grid and tick labels."""

    def __init__(self, lo: float, hi: float, fmt: Fmt, label: str) -> None:
        self.ticks = _ticks(min(lo, 0.0) if lo >= 0 else lo, hi)
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        if self.hi <= self.lo:
            self.hi = self.lo + 1
        self.fmt, self.label = fmt, label
        self.parts: list[str] = []

    def y(self, v: float) -> float:
        return TOP + (H - TOP - BOTTOM) * (1 - (v - self.lo) / (self.hi - self.lo))

    @staticmethod
    def x(i: float, n: int) -> float:
        span = W - LEFT - RIGHT
        return LEFT + (span * (i + 0.5) / n if n else 0)

    def open(self) -> None:
        self.parts.append(
            f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(self.label)}"'
            ' xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
            f"<title>{escape(self.label)}</title>"
        )
        for t in self.ticks:
            y = self.y(t)
            self.parts.append(
                f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11"'
                f' fill="#333">{escape(self.fmt(t))}</text>'
            )
        self.parts.append(
            f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#333"/>'
        )

    def x_labels(self, labels: Sequence[str]) -> None:
        n = len(labels)
        every = max(1, -(-n // 12))
        for i, text in enumerate(labels):
            if i % every == 0:
                self.parts.append(
                    f'<text x="{self.x(i, n):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle"'
                    f' font-size="11" fill="#333">{escape(text)}</text>'
                )

    def close(self) -> Markup:
        self.parts.append("</svg>")
        return Markup("".join(self.parts))


def _legend(names: Sequence[str], colours: Sequence[str] = COLOURS) -> str:
    out = []
    for k, name in enumerate(names):
        x = LEFT + 150 * k
        colour = colours[k % len(colours)]
        out.append(
            f'<rect x="{x}" y="{H - 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{H - 7}" font-size="11" fill="#333">{escape(name)}</text>'
        )
    return "".join(out)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    label: str,
    fmt: Fmt = _plain,
    dashed: Sequence[int] = (),
) -> Markup:
    """One line per series over `labels`; None leaves a gap; series in `dashed` are dashed."""
    values = [v for _n, vs in series for v in vs if v is not None]
    frame = _Frame(min(values, default=0.0), max(values, default=1.0), fmt, label)
    frame.open()
    n = len(labels)
    for k, (_name, vs) in enumerate(series):
        points = [
            f"{frame.x(i, n):.1f},{frame.y(v):.1f}" for i, v in enumerate(vs) if v is not None
        ]
        dash = ' stroke-dasharray="6 4"' if k in dashed else ""
        if points:
            frame.parts.append(
                f'<polyline fill="none" stroke="{COLOURS[k % len(COLOURS)]}" stroke-width="2"'
                f'{dash} points="{" ".join(points)}"/>'
            )
    frame.x_labels(labels)
    frame.parts.append(_legend([name for name, _vs in series]))
    return frame.close()


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    label: str,
    fmt: Fmt = _plain,
    line: tuple[str, float] | None = None,
) -> Markup:
    """Vertical bars, with an optional horizontal reference line (name, value)."""
    top = max([*values, line[1] if line else 0.0, 0.0])
    frame = _Frame(min([*values, 0.0]), top or 1.0, fmt, label)
    frame.open()
    n = len(values)
    width = (W - LEFT - RIGHT) / max(n, 1) * 0.7
    for i, v in enumerate(values):
        y0, y1 = frame.y(0), frame.y(v)
        frame.parts.append(
            f'<rect x="{frame.x(i, n) - width / 2:.1f}" y="{min(y0, y1):.1f}" width="{width:.1f}"'
            f' height="{abs(y0 - y1):.1f}" fill="{COLOURS[0]}"><title>{escape(labels[i])}: '
            f"{escape(fmt(v))}</title></rect>"
        )
    if line is not None:
        y = frame.y(line[1])
        frame.parts.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{COLOURS[1]}"'
            f' stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{W - RIGHT}" y="{y - 4:.1f}" text-anchor="end" font-size="11"'
            f' fill="{COLOURS[1]}">{escape(line[0])}</text>'
        )
    frame.x_labels(labels)
    return frame.close()


def fan_chart(
    labels: Sequence[str],
    bands: Sequence[Sequence[float]],
    *,
    label: str,
    fmt: Fmt = _plain,
    names: Sequence[str] = (),
) -> Markup:
    """Quantile paths, lowest first (e.g. P5, P25, P50, P75, P95): outer and inner bands
    shaded, the middle path drawn as a line."""
    values = [v for path in bands for v in path]
    frame = _Frame(min(values, default=0.0), max(values, default=1.0), fmt, label)
    frame.open()
    n = len(labels)
    k = len(bands)
    for lo_i, shade in enumerate(SHADES):
        hi_i = k - 1 - lo_i
        if lo_i >= hi_i:
            break
        upper = [f"{frame.x(i, n):.1f},{frame.y(v):.1f}" for i, v in enumerate(bands[hi_i])]
        lower = [f"{frame.x(i, n):.1f},{frame.y(v):.1f}" for i, v in enumerate(bands[lo_i])]
        frame.parts.append(
            f'<polygon fill="{shade}" stroke="none" points="{" ".join(upper + lower[::-1])}"/>'
        )
    mid = bands[k // 2]
    frame.parts.append(
        f'<polyline fill="none" stroke="{COLOURS[0]}" stroke-width="2" points="'
        + " ".join(f"{frame.x(i, n):.1f},{frame.y(v):.1f}" for i, v in enumerate(mid))
        + '"/>'
    )
    frame.x_labels(labels)
    if names:
        frame.parts.append(_legend(names, (SHADES[0], SHADES[1], COLOURS[0])))
    return frame.close()


def histogram(
    edges: Sequence[float],
    counts: Sequence[float],
    *,
    label: str,
    fmt: Fmt = _plain,
    marks: Sequence[tuple[str, float]] = (),
) -> Markup:
    """Bars between consecutive `edges`; vertical marks (name, x) such as VaR 99%."""
    frame = _Frame(0.0, max(counts, default=1.0) or 1.0, lambda v: f"{v:g}", label)
    frame.open()
    lo, hi = (edges[0], edges[-1]) if edges else (0.0, 1.0)
    span = (hi - lo) or 1.0

    def px(v: float) -> float:
        return LEFT + (W - LEFT - RIGHT) * (v - lo) / span

    for i, c in enumerate(counts):
        x0, x1, y = px(edges[i]), px(edges[i + 1]), frame.y(c)
        frame.parts.append(
            f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0 - 1, 0.5):.1f}"'
            f' height="{frame.y(0) - y:.1f}" fill="{COLOURS[0]}"/>'
        )
    for k, (name, v) in enumerate(marks):
        x = px(v)
        colour = COLOURS[1 + k % (len(COLOURS) - 1)]
        frame.parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="{colour}"'
            f' stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{x - 3:.1f}" y="{TOP + 12 + 13 * k}" text-anchor="end" font-size="11"'
            f' fill="{colour}">{escape(name)}</text>'
        )
    for v in (lo, (lo + hi) / 2, hi):
        frame.parts.append(
            f'<text x="{px(v):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" font-size="11"'
            f' fill="#333">{escape(fmt(v))}</text>'
        )
    return frame.close()
