"""Static SVG charts drawn at build time. Each chart is an image with a title and description
for assistive technology; the page always shows its data as a table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

WIDTH = 640
LABEL = 190
ROW = 30
BAR = 18
LINE = 14  # characters of a label on one line: 14 CJK characters at 13 px fill the label column


def _head(chart_id: str, title: str, description: str, height: int) -> list[str]:
    return [
        f'<svg class="sl-chart" id={quoteattr(chart_id)} role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby={quoteattr(chart_id + "-t " + chart_id + "-d")} '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title id={quoteattr(chart_id + '-t')}>{escape(title)}</title>",
        f"<desc id={quoteattr(chart_id + '-d')}>{escape(description)}</desc>",
    ]


def _split(label: str) -> tuple[str, str]:
    """Two lines for a label longer than LINE: broken after "、" or before "（" when one of them
    keeps both lines within LINE (nearest the middle), else in the middle; past 2 × LINE the second
    line ends in "…"."""
    if len(label) > 2 * LINE:
        return label[:LINE], label[LINE:2 * LINE - 1] + "…"
    breaks = [i for i in range(len(label) - LINE, LINE + 1)
              if 0 < i < len(label) and (label[i - 1] in "、，" or label[i] == "（")]
    at = min(breaks, key=lambda i: abs(2 * i - len(label))) if breaks else (len(label) + 1) // 2
    return label[:at], label[at:]


def _label(label: str, y: int) -> str:
    """A row's label, right-aligned before its bar, whole: result categories run to 17 characters,
    and cutting them at 14 had shown "公示信息隐瞒真实情况、弄虚作" for "…弄虚作假"."""
    start = f'<text class="sl-chart__label" x="{LABEL - 8}" y="{y + BAR - 4}" text-anchor="end">'
    if len(label) <= LINE:
        return f"{start}{escape(label)}</text>"
    first, second = _split(label)
    return (f"{start}<title>{escape(label)}</title>"
            f'<tspan x="{LABEL - 8}" y="{y + BAR - 11}">{escape(first)}</tspan>'
            f'<tspan x="{LABEL - 8}" y="{y + BAR + 4}">{escape(second)}</tspan></text>')


def bar_chart(chart_id: str, title: str, description: str, rows: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per row, labelled with the value."""
    height = ROW * max(1, len(rows)) + 10
    peak = max((v for _, v in rows), default=0) or 1
    span = WIDTH - LABEL - 60
    out = _head(chart_id, title, description, height)
    for i, (label, value) in enumerate(rows):
        y = 5 + i * ROW
        width = round(span * value / peak, 1)
        out.append(_label(label, y))
        out.append(f'<rect class="sl-chart__bar" x="{LABEL}" y="{y}" width="{width}" height="{BAR}"/>')
        out.append(f'<text class="sl-chart__value" x="{LABEL + width + 6}" y="{y + BAR - 4}">{value}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def stacked_chart(chart_id: str, title: str, description: str, series: Sequence[tuple[str, str]],
                  rows: Sequence[tuple[str, Sequence[int]]]) -> Markup:
    """One bar per row made of the series' shares (each bar is the row's 100%)."""
    legend = 26
    height = legend + ROW * max(1, len(rows)) + 10
    span = WIDTH - LABEL - 20
    out = _head(chart_id, title, description, height)
    x = LABEL
    for name, css in series:
        out.append(f'<rect class="sl-chart__bar sl-chart__bar--{css}" x="{x}" y="4" width="14" height="14"/>')
        out.append(f'<text class="sl-chart__label" x="{x + 18}" y="16">{escape(name)}</text>')
        x += 18 + 16 * len(name) + 20
    for i, (label, values) in enumerate(rows):
        y = legend + 5 + i * ROW
        total = sum(values)
        out.append(_label(label, y))
        offset = 0.0
        for (name, css), value in zip(series, values, strict=True):
            if not total or not value:
                continue
            width = round(span * value / total, 1)
            out.append(f'<rect class="sl-chart__bar sl-chart__bar--{css}" x="{round(LABEL + offset, 1)}" y="{y}" '
                       f'width="{width}" height="{BAR}"><title>{escape(label)} {escape(name)}：{value}</title></rect>')
            offset += width
        if not total:
            out.append(f'<text class="sl-chart__value" x="{LABEL}" y="{y + BAR - 4}">无应公示结果</text>')
    out.append("</svg>")
    return Markup("".join(out))
