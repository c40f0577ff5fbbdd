"""A printable one-page briefing (standalone HTML, A4, print styles) in Korean or English.

The file is offered as a download, never rendered inside the app. Every value put into it
is escaped with ``html.escape``; the document carries no script and loads nothing external.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping

from babel.numbers import format_decimal

from components.i18n import LOCALES, N_, translate_in
from components.labels import LABELS
from db.kpi.headline import Headline

STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: 'Noto Sans KR', 'Nanum Gothic', 'Malgun Gothic', sans-serif;
       color: #111; font-size: 11pt; line-height: 1.45; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }
.meta { color: #444; font-size: 9.5pt; margin-bottom: 4mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 1.5mm 2.5mm; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #444; font-size: 9pt; margin-top: 4mm; }
@media print { .noprint { display: none; } }
"""


RECOMPUTED = N_(
    "Figures are recomputed from the platform's database as they stood on the date above; "
    "the same date gives the same figures."
)


def _t(lang: str, message: str, **params: object) -> str:
    return html.escape(translate_in(lang, message, **params))


def _label(lang: str, kind: str, code: str) -> str:
    text = LABELS.get(kind, {}).get(code, code)
    return html.escape(translate_in(lang, text))


def _n(lang: str, value: float | None) -> str:
    return "-" if value is None else html.escape(format_decimal(value, locale=LOCALES[lang]))


def build_briefing(
    *,
    lang: str,
    as_of: dt.date,
    produced_at: dt.datetime,
    period_label: str,
    figures: list[tuple[str, int, int | None]],
    headline: Headline,
    pipeline: Mapping[str, int],
    durations: Mapping[str, float | None],
    filters_text: str,
    city_name: str = "",
    published: tuple[str, str] | None = None,
) -> bytes:
    """The briefing as UTF-8 HTML bytes.

    ``figures`` are (msgid of the figure's name, value, change over the period).
    ``period_label``, ``filters_text`` and ``city_name`` (the city running the platform,
    named in the title) are already in ``lang``. ``published``: (when, SHA-256) of the
    publication whose figures these are, printed under the title.
    """
    rows = "".join(
        f"<tr><td>{_t(lang, name)}</td><td class='n'>{_n(lang, value)}</td>"
        f"<td class='n'>{'' if delta is None else ('+' if delta > 0 else '') + _n(lang, delta)}"
        "</td></tr>"
        for name, value, delta in figures
    )
    split = ", ".join(
        f"{_label(lang, 'affiliation', a)} {_n(lang, headline.experts_by_affiliation.get(a, 0))}"
        for a in ("public", "industry", "academia", "other")
    )
    stages = "".join(
        f"<tr><td>{_label(lang, 'pipeline_stage', s)}</td><td class='n'>{_n(lang, n)}</td></tr>"
        for s, n in pipeline.items()
    )
    times = "".join(
        f"<tr><td>{_label(lang, 'duration_stage', s)}</td><td class='n'>{_n(lang, d)}</td></tr>"
        for s, d in durations.items()
    )
    produced = produced_at.strftime("%Y-%m-%d %H:%M") + " KST"
    # Texts are translated before the template: the catalogue extractor cannot see
    # calls inside an f-string.
    title = (
        _t(lang, "{city} New Technology Platform briefing", city=city_name)
        if city_name
        else _t(lang, "New Technology Platform briefing")
    )
    as_of_text = _t(lang, "As of {date}", date=as_of.isoformat())
    produced_text = _t(lang, "Produced {when}", when=produced)
    published_text = (
        ""
        if published is None
        else "<div class='meta'>"
        + _t(
            lang,
            "Published figures as of {date}: published {when}, SHA-256 {hash}",
            date=as_of.isoformat(),
            when=published[0],
            hash=published[1],
        )
        + "</div>"
    )
    local_text = _t(
        lang,
        "Local technologies: {n}",
        n=format_decimal(headline.technologies_local, locale=LOCALES[lang]),
    )
    h_figures, h_pipeline = (
        _t(lang, "Headline figures"),
        _t(lang, "Pipeline from registration to adoption"),
    )
    h_times = _t(lang, "Median time per stage (days)")
    c_figure, c_value, c_stage = _t(lang, "Figure"), _t(lang, "Value"), _t(lang, "Stage")
    c_techs, c_days = _t(lang, "Technologies"), _t(lang, "Days")
    by_affiliation, note = _t(lang, "Experts by affiliation"), _t(lang, RECOMPUTED)
    doc = f"""<!DOCTYPE html>
<html lang="{html.escape(lang)}"><head><meta charset="utf-8">
<title>{title}</title>
<style>{STYLE}</style></head><body>
<h1>{title}</h1>
<div class="meta">{as_of_text} &middot; {produced_text} &middot; {html.escape(filters_text)}</div>
{published_text}
<h2>{h_figures}</h2>
<table><thead><tr><th>{c_figure}</th><th class="n">{c_value}</th>
<th class="n">{html.escape(period_label)}</th></tr></thead><tbody>{rows}</tbody></table>
<p class="note">{by_affiliation}: {split}. {local_text}.</p>
<h2>{h_pipeline}</h2>
<table><thead><tr><th>{c_stage}</th><th class="n">{c_techs}</th>
</tr></thead><tbody>{stages}</tbody></table>
<h2>{h_times}</h2>
<table><thead><tr><th>{c_stage}</th><th class="n">{c_days}</th>
</tr></thead><tbody>{times}</tbody></table>
<p class="note">{note}</p>
</body></html>"""
    return doc.encode("utf-8")
