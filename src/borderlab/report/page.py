"""Assemble one self-contained HTML page: plotly.js inlined once, every figure, table and
image inline, system fonts, no request to any network (a report can be mailed).

The first line carries `SIGNATURE`, so `--out FILE` replaces only a report borderlab wrote.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from .style import FONT, esc

SIGNATURE = "<!-- borderlab report -->"
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png"}}


@dataclass
class Section:
    title: str
    intro: str = ""                                  # a sentence on how to read it (HTML allowed)
    blocks: list = field(default_factory=list)       # plotly Figures, Html, Table or Image


@dataclass
class Html:
    html: str


@dataclass
class Table:
    columns: list[str]
    rows: list[list]
    caption: str = ""
    flag: list[bool] | None = None                   # rows to highlight (e.g. contested claims)
    filterable: bool = False


@dataclass
class Image:
    path: Path
    caption: str = ""


def render_page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole report as one HTML string."""
    from plotly.offline import get_plotlyjs

    body, n_fig = [], 0
    toc = "".join(f'<a href="#s{i}">{esc(s.title)}</a>' for i, s in enumerate(sections))
    for i, s in enumerate(sections):
        parts = [f'<section id="s{i}"><h2>{esc(s.title)}</h2>']
        if s.intro:
            parts.append(f'<p class="intro">{s.intro}</p>')
        for block in s.blocks:
            if isinstance(block, Html):
                parts.append(block.html)
            elif isinstance(block, Table):
                parts.append(_table(block))
            elif isinstance(block, Image):
                parts.append(_image(block))
            else:
                parts.append(_figure(block, f"fig{n_fig}"))
                n_fig += 1
        parts.append("</section>")
        body.append("".join(parts))
    created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"<!DOCTYPE html>{SIGNATURE}\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<meta name=\"borderlab-figures\" content=\"{n_fig}\">"
            f"<title>{esc(title)}</title><style>{CSS}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>"
            f"<header><h1>{esc(title)}</h1><p>{subtitle}</p><nav>{toc}</nav></header><main>{''.join(body)}</main>"
            f"<footer>borderlab {esc(__version__)} · written {created} · self-contained: opens offline</footer>"
            f"<script>{PAGE_JS}</script></body></html>\n")


def _figure(fig, div_id: str) -> str:
    html = fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False, config=PLOT_CONFIG,
                       div_id=div_id, default_width="100%")
    return f'<div class="figure">{html}</div>'


def _table(t: Table) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in t.columns)
    rows = []
    for i, row in enumerate(t.rows):
        cls = ' class="flag"' if t.flag and t.flag[i] else ""
        rows.append(f"<tr{cls}>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
    search = ('<p class="filter"><input type="search" placeholder="filter rows…" oninput="filterTable(this)">'
              '<label><input type="checkbox" onchange="filterTable(this)"> flagged only</label></p>'
              if t.filterable else "")
    caption = f"<caption>{esc(t.caption)}</caption>" if t.caption else ""
    return (f'<div class="table">{search}<table>{caption}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    if isinstance(v, (list, tuple, dict)):
        v = json.dumps(v, default=str)
    text = str(v)
    if text.startswith(("http://", "https://")) and " " not in text:
        return f'<a href="{esc(text)}" rel="noreferrer">{esc(text[:70])}{"…" if len(text) > 70 else ""}</a>'
    return esc(text)


def _image(img: Image) -> str:
    data = base64.b64encode(Path(img.path).read_bytes()).decode()
    return (f'<figure class="png"><img alt="{esc(img.caption)}" src="data:image/png;base64,{data}">'
            f'<figcaption>{esc(img.caption)}</figcaption></figure>')


CSS = f"""
body {{ font-family: {FONT}; margin: 0; color: #222; background: #fafafa; }}
header {{ background: #1f2d3d; color: #fff; padding: 12px 24px; position: sticky; top: 0; z-index: 10; }}
header h1 {{ margin: 0; font-size: 20px; }} header p {{ margin: 4px 0; font-size: 13px; color: #cfd8e3; }}
nav a {{ color: #9fd0ff; margin-right: 14px; font-size: 13px; text-decoration: none; }}
main {{ max-width: 1280px; margin: 0 auto; padding: 8px 24px; }}
section {{ background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; margin: 16px 0; padding: 8px 16px; }}
h2 {{ font-size: 17px; margin: 8px 0; }} .intro {{ font-size: 13px; color: #555; max-width: 980px; }}
.table {{ max-height: 520px; overflow: auto; }}
table {{ border-collapse: collapse; font-size: 12px; width: 100%; }}
th {{ position: sticky; top: 0; background: #f0f3f6; text-align: left; }}
th, td {{ border-bottom: 1px solid #eee; padding: 3px 6px; vertical-align: top; }}
tr.flag td {{ background: #fff3cd; }} caption {{ text-align: left; font-size: 12px; color: #666; }}
figure.png img {{ max-width: 100%; }} figcaption {{ font-size: 12px; color: #666; }}
footer {{ text-align: center; font-size: 11px; color: #888; padding: 16px; }}
.filter {{ font-size: 12px; }} .filter input[type=search] {{ width: 260px; margin-right: 12px; }}
"""

# Linked zoom across every chart with a date axis; a click on an observed figure or event
# opens its source; the row filter of long tables.
PAGE_JS = """
(function () {
  var syncing = false;
  function dateDivs() {
    return Array.prototype.filter.call(document.querySelectorAll('.js-plotly-plot'), function (d) {
      return d.layout && d.layout.xaxis && d.layout.xaxis.type === 'date';
    });
  }
  function xKeys(d) { return Object.keys(d.layout).filter(function (k) { return /^xaxis\\d*$/.test(k); }); }
  dateDivs().forEach(function (div) {
    div.on('plotly_relayout', function (ev) {
      if (syncing) return;
      var key = Object.keys(ev).find(function (k) { return /^xaxis\\d*\\.(range|autorange)/.test(k); });
      if (!key) return;
      var ax = key.split('.')[0], range = div.layout[ax].range.slice();
      syncing = true;
      var pending = dateDivs().filter(function (o) { return o !== div; }).map(function (o) {
        var upd = {}; xKeys(o).forEach(function (k) { upd[k + '.range'] = range; });
        return Plotly.relayout(o, upd);
      });
      Promise.all(pending).then(function () { syncing = false; }, function () { syncing = false; });
    });
    div.on('plotly_click', function (ev) {
      var p = ev.points && ev.points[0], url = p && p.customdata;
      if (typeof url === 'string' && /^https?:\\/\\//.test(url)) window.open(url, '_blank', 'noopener');
    });
  });
})();
function filterTable(el) {
  var box = el.closest('.table'), text = box.querySelector('input[type=search]').value.toLowerCase();
  var flagged = box.querySelector('input[type=checkbox]').checked;
  box.querySelectorAll('tbody tr').forEach(function (tr) {
    var show = tr.textContent.toLowerCase().indexOf(text) >= 0 && (!flagged || tr.classList.contains('flag'));
    tr.style.display = show ? '' : 'none';
  });
}
"""
