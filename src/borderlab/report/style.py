"""Colours and layout shared by every report figure, so a country has one colour throughout."""

from __future__ import annotations

PALETTE = ["#d62728", "#2ca02c", "#9467bd", "#1f77b4", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
FIXED = {"all": "#333333"}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"   # system fonts only: no web fonts to fetch


def color_of(name: str, order: list[str]) -> str:
    """The colour of a country (or scope) by its place in `order`; `all` is dark grey."""
    if name in FIXED:
        return FIXED[name]
    i = order.index(name) if name in order else len(order)
    return PALETTE[i % len(PALETTE)]


def base_layout(title: str | None = None, height: int = 320) -> dict:
    """Layout every figure starts from: compact margins, system font, white background."""
    return {"title": {"text": title, "font": {"size": 14}} if title else None, "height": height,
            "margin": {"l": 60, "r": 20, "t": 40 if title else 15, "b": 35}, "font": {"family": FONT, "size": 11},
            "template": "none", "hovermode": "x unified",
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": 10}}}


def date_chart_margins(top: int) -> dict:
    """The same left and right margins on every chart with dates (the right one holds the
    legend), so their date axes line up under the timeline."""
    return {"l": 140, "r": 220, "t": top, "b": 35, "autoexpand": False}


def rgba(hex_color: str, alpha: float) -> str:
    """'#rrggbb' → 'rgba(r,g,b,alpha)' for band fills."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def esc(text) -> str:
    """Text made safe for HTML and for plotly's hover labels (which read a little HTML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shown_folder(folder) -> str:
    """The folder's path as the reader will find it: a report written inside an atomic
    folder (`.NAME.partial-XXXX`, renamed to NAME when done) names NAME."""
    import re
    from pathlib import Path

    path = Path(folder).resolve()
    m = re.match(r"^\.(.+)\.partial-[^/]*$", path.name)
    return str(path.with_name(m.group(1)) if m else path)


def short_date_ticks(fig, days: int) -> None:
    """One tick per day on short date axes (plotly would otherwise tick every few hours)."""
    if days <= 10:
        fig.update_xaxes(dtick=86_400_000, tickformat="%-d %b")


def hover_text(head: str, note: str | None = None, source: str | None = None) -> str:
    """A hover label: `head` (HTML), then the note and the source, which a click opens when
    it is a web address (page.py)."""
    text = head
    if note:
        text += f"<br>{esc(note)[:160]}"
    if source:
        text += f"<br>source: {esc(source)[:120]}" + (" (click to open)" if source.startswith("http") else "")
    return text
