"""HTML pieces of the page, as pure functions of the session's outcomes (unit-tested without a
browser). Every number carries a stable `data-testid` and its exact value in `data-value`, so
tests and scripts read the page without parsing formatted text."""

from __future__ import annotations

from html import escape

from .metrics import KEY_TOTALS, PEAK_IN_ZONE, key_numbers
from .state import Outcome

ROWS = KEY_TOTALS + ((PEAK_IN_ZONE, "peak in the zone"),)


def numbers_html(base: Outcome | None, variant: Outcome | None) -> str:
    """Per defending country and for all: the base run, the variant and the change."""
    if base is None:
        return '<div data-testid="numbers">no run yet</div>'
    base_rows = key_numbers(base.summary)
    scopes = list(base_rows)
    var_rows = key_numbers(variant.summary, scopes) if variant else {}
    ranges = {s: e.get("range", {}) for s, e in variant.summary.get("countries", {}).items()} if variant else {}
    what = ("variant" if not variant or variant.runs == 1 else f"variant, median of {variant.runs} runs (5–95 %)")
    head = "<tr><th></th>" + "".join(f'<th colspan="3">{escape(s)}</th>' for s in scopes) + "</tr>"
    head += "<tr><th></th>" + "".join(f"<th>base</th><th>{escape(what)}</th><th>change</th>" for _ in scopes) + "</tr>"
    body = ""
    for metric, label in ROWS:
        body += f"<tr><th>{escape(label)}</th>"
        for s in scopes:
            b = base_rows[s].get(metric)
            v = var_rows.get(s, {}).get(metric)
            rng = ranges.get(s, {}).get(metric)
            body += _cell(f"base-{s}-{metric}", b)
            body += _cell(f"variant-{s}-{metric}", v, rng)
            body += _cell(f"change-{s}-{metric}", None if v is None or b is None else v - b, signed=True)
        body += "</tr>"
    seed = f"seed {variant.seed if variant else base.seed}"
    sets = " ".join(f"--set {a}" for a in variant.assignments) if variant else ""
    caption = escape(f"{seed}; {sets or 'no overrides'}")
    return (f'<table class="numbers" data-testid="numbers"><caption data-testid="numbers-caption">{caption}</caption>'
            f"<thead>{head}</thead><tbody>{body}</tbody></table>")


def _cell(testid: str, value: float | None, rng=None, signed: bool = False) -> str:
    if value is None:
        return f'<td data-testid="{escape(testid)}" data-value="">–</td>'
    text = f"{value:+,.0f}" if signed else f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
    if rng:
        text += f" ({rng[0]:,.0f}–{rng[1]:,.0f})"
    return f'<td data-testid="{escape(testid)}" data-value="{value!r}">{escape(text)}</td>'


def messages_html(lines: list[str], kind: str = "error") -> str:
    """Problems (the schema's messages) or notes, one per line; never a traceback."""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<div data-testid="messages" class="messages {kind}"><ul>{items}</ul></div>' if lines else \
        '<div data-testid="messages" class="messages"></div>'


def status_html(state: str, detail: str = "") -> str:
    """`state` is one word tests wait for: opening, running, done, cancelled, error, ready."""
    return (f'<div class="status"><span data-testid="status">{escape(state)}</span>'
            f'<span data-testid="status-detail"> {escape(detail)}</span></div>')
