"""`extractor review`: one self-contained HTML page for reading results against their articles.

The page shows each article as read, with every evidence span highlighted and coloured by record
(incidents in reds, actors in blues, attributions in greens, one hue per record), tables of the
records and the document's warnings. Hovering a highlight shows its records; clicking a row (or a
highlight) selects a record, marks all its spans and scrolls to the first. `#r0-T1` in the URL
opens the page with that record selected.

Safety: every piece of article or model text goes through `html.escape`; record data travels as
JSON in a `<script type="application/json">` block with `<`, `>` and `&` written as \\u003c etc.,
so `</script>` in data cannot end the block. A Content-Security-Policy allows no network at all
and only the page's own script (by hash), a second wall should escaping ever be missed.

Spans may overlap (an incident and an actor can quote the same words), so the text is cut at
every span boundary and each segment lists the spans covering it: `data-spans="I1.0 A3.0"` (record
id, then the span's index in its evidence) and `data-records="I1 A3"`, innermost first;
`data-start`/`data-end` are the segment's offsets into the text as read. The date line and
script residue, which the model never saw, are greyed. A span whose offsets fall outside the text
is listed among the warnings instead of drawn.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.articles.load import Article
from extractor.errors import InputError
from extractor.results.read import ArticleTexts, Result, read_results
from extractor.results.review_assets import CSS, JS
from extractor.schema import Figures, GoldActor, GoldAttribution, GoldExtraction, GoldIncident

Pair = tuple[Result, Article]
BASE_HUE = {"incident": 8, "actor": 212, "attribution": 135}
# Hue offsets within a type's family, spread so neighbours differ; lightness alternates too.
OFFSETS = (0, 24, -22, 12, -34, 36, -10, 30, -28, 6, -16, 18, -4)


def write_review(
    result_paths: Iterable[str | Path], article_sources: Iterable[str | Path], out_path: str | Path
) -> int:
    """Render the results in `result_paths` against article texts found in `article_sources`
    and write the page to `out_path` (via a `.partial` sibling). Returns the number of documents."""
    texts = ArticleTexts(article_sources)
    paths = [str(p) for p in result_paths]
    pairs = [(result, texts.require(result)) for result in read_results(paths)]
    if not pairs:
        raise InputError(
            ", ".join(paths) or "review",
            "holds no extraction documents",
            hint="point at the output of `extractor extract`",
        )
    page = render_review(pairs)
    out = Path(out_path)
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(
            str(out), f"cannot be written ({exc.strerror})", hint="check that its folder exists and is writable"
        ) from None
    return len(pairs)


@dataclass(frozen=True)
class Serving:
    """What the page adds when `extractor review --serve` serves it (extractor.runs.review_server):
    each document's key in the run store and its records' review states (`verdicts.record_state`),
    the page's settings (run, reviewer, the contract's choices), and the verdict script and styles,
    allowed by hash like the page's own script, with requests to the page's own origin only."""

    keys: Sequence[str]
    states: Sequence[dict[str, dict]]
    config: dict
    script: str
    css: str


def render_review(pairs: Sequence[Pair], serving: Serving | None = None) -> str:
    """The whole page for (result, article) pairs: one section per document, an index if several."""
    sections = [
        _section(f"r{n}", result, article, (serving.keys[n], serving.states[n]) if serving is not None else None)
        for n, (result, article) in enumerate(pairs)
    ]
    index = ""
    if len(pairs) > 1:
        items = "".join(
            f'<li><a href="#r{n}">{_e(r.doc.article.id)}</a> <span class="muted">{_e(_counts(r.doc))} · {_e(r.origin)}</span></li>'
            for n, (r, _) in enumerate(pairs)
        )
        index = f'<nav class="index"><h2>Documents</h2><ol>{items}</ol></nav>'
    title = "Review: " + ", ".join(r.doc.article.id for r, _ in pairs)
    extra = ""
    if serving is not None:
        extra = f'<script type="application/json" id="review-config">{_json_block(serving.config)}</script><script>{serving.script}</script>'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(serving)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}{serving.css if serving else ''}</style></head>\n<body>"
        '<header class="page"><h1>Extraction review</h1><p class="legend">'
        '<span class="key incident">incident</span><span class="key actor">actor</span>'
        '<span class="key attribution">attribution</span> Hover a highlight to see its records; '
        "click a row or a highlight to select a record and mark all its spans.</p></header>\n"
        f"{index}{''.join(sections)}<script>{JS}</script>{extra}</body></html>\n"
    )


def content_security_policy(serving: Serving | None = None) -> str:
    """No network, no script but the page's own (by hash); served, requests to its own origin too."""
    return policy(serving.script if serving else None)


def policy(verdict_script: str | None = None) -> str:
    """The Content-Security-Policy of a page with the verdict script (served) or without."""
    scripts = [JS] + ([verdict_script] if verdict_script else [])
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode('ascii')}'" for s in scripts
    )
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src {hashes}"
    return csp + ("; connect-src 'self'; form-action 'none'; base-uri 'none'" if verdict_script else "")


def _json_block(value: object) -> str:
    """JSON for a <script type="application/json"> block: `<`, `>` and `&` escaped, so no text in
    it can end the block."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _counts(doc: GoldExtraction) -> str:
    counts = (
        (len(doc.incidents), "incident"),
        (len(doc.actors), "actor"),
        (len(doc.attributions), "attribution"),
        (len(doc.warnings), "warning"),
    )
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)


def _groups(doc: GoldExtraction) -> tuple[tuple[str, list], ...]:
    return ("incident", doc.incidents), ("actor", doc.actors), ("attribution", doc.attributions)


def _records(doc: GoldExtraction) -> list[tuple[str, GoldIncident | GoldActor | GoldAttribution]]:
    return [(kind, record) for kind, items in _groups(doc) for record in items]


def _colors(doc: GoldExtraction) -> dict[str, str]:
    colors = {}
    for kind, items in _groups(doc):
        for n, item in enumerate(items):
            hue = (BASE_HUE[kind] + OFFSETS[n % len(OFFSETS)]) % 360
            colors[item.id] = f"hsl({hue} {70 if n % 2 else 80}% {80 if n % 2 else 86}%)"
    return colors


def _section(sid: str, result: Result, article: Article, served: tuple[str, dict[str, dict]] | None = None) -> str:
    doc, text = result.doc, article.text
    colors, notes = _colors(doc), []
    names = {a.id: a.name for a in doc.actors}
    spans = []  # (start, end, record id, span key)
    for _kind, record in _records(doc):
        for n, span in enumerate(record.evidence):
            key = f"{record.id}.{n}"
            if not 0 <= span.start < span.end <= len(text):
                notes.append(
                    f"span {key} ({span.start}:{span.end}) lies outside the article's {len(text)} characters; not shown"
                )
                continue
            if text[span.start : span.end] != span.quote:
                notes.append(
                    f"span {key}: the text at {span.start}:{span.end} is not its quote {span.quote!r}; shown at its offsets"
                )
            spans.append((span.start, span.end, record.id, key))
    data: dict[str, dict[str, Any]] = {
        record.id: {
            "type": kind,
            "title": f"{record.id} · {kind}" + (" (optional)" if getattr(record, "optional", False) else ""),
            "color": colors[record.id],
            "fields": _fields(kind, record, doc, names),
            "spans": [k for s, e, rid, k in spans if rid == record.id],
        }
        for kind, record in _records(doc)
    }
    key = ""
    if served is not None:
        key, record_states = served
        key = f' data-key="{_e(key)}"'
        for record_id, state in record_states.items():
            data[record_id]["review"] = state
    blob = _json_block(data)
    meta = [
        doc.article.title,
        doc.article.source,
        f"published {doc.article.published}" if doc.article.published else None,
        _provenance(doc),
        f"from {result.origin}",
        f"sha256 {(doc.article.sha256 or 'none')[:12]}…",
    ]
    warnings = [
        f'<li class="warning" data-code="{_e(w.code)}" data-ids="{_e(" ".join(w.ids))}">'
        f'<span class="code">{_e(w.code)}</span> {_e(w.message)}</li>'
        for w in doc.warnings
    ] + [f'<li class="review">{_e(n)}</li>' for n in notes]
    warn_items = "".join(warnings) or '<li class="muted">none</li>'
    return (
        f'<section class="result" id="{sid}"{key}><header><h2>{_e(doc.article.id)}</h2>'
        f'<p class="muted">{_e(" · ".join(m for m in meta if m))}</p><p>{_e(_counts(doc))}</p></header>'
        f'<div class="cols"><div class="article"><div class="text">{_segments(text, spans, article.masked, colors)}</div>'
        f'<div class="card" hidden></div></div><div class="side">'
        f"{_tables(doc, colors, names, data)}"
        f'<h3>Warnings ({len(warnings)})</h3><ul class="warnings">{warn_items}</ul></div></div>'
        f'<script type="application/json" class="records-data">{blob}</script></section>\n'
    )


def _segments(
    text: str, spans: list[tuple[int, int, str, str]], masked: Iterable[tuple[int, int]], colors: dict[str, str]
) -> str:
    """The text cut at every span and masked-region boundary, each piece escaped and marked."""
    masked = list(masked)
    cuts = sorted(
        {0, len(text)} | {p for s in spans for p in s[:2]} | {p for m in masked for p in m if 0 <= p <= len(text)}
    )
    started: set[str] = set()
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = _e(text[a:b]).replace("\r", "&#13;")  # keep CR: the HTML parser would fold CRLF into LF
        is_masked = any(s <= a and b <= e for s, e in masked)
        cover = sorted((s for s in spans if s[0] <= a and b <= s[1]), key=lambda s: (s[1] - s[0], s[3]))
        if not cover:
            out.append(f'<span class="masked" title="not shown to the model">{piece}</span>' if is_masked else piece)
            continue
        ids = list(dict.fromkeys(s[2] for s in cover))
        fresh = [s[3] for s in cover if s[3] not in started]
        started.update(fresh)
        label = " ".join(dict.fromkeys(k.split(".")[0] for k in fresh))
        bands = ", ".join(
            f"{colors[i]} {100 * n / len(ids):.0f}% {100 * (n + 1) / len(ids):.0f}%" for n, i in enumerate(ids)
        )
        kinds = " ".join(sorted({"t-" + _kind_of(i) for i in ids}))
        out.append(
            f'<mark class="seg {kinds}{" masked" if is_masked else ""}" data-records="{" ".join(ids)}" '
            f'data-spans="{" ".join(s[3] for s in cover)}" data-start="{a}" data-end="{b}"'
            + (f' data-label="{label}"' if label else "")
            + f' style="background: linear-gradient({bands})">{piece}</mark>'
        )
    return "".join(out)


def _kind_of(record_id: str) -> str:
    return {"I": "incident", "A": "actor", "T": "attribution"}[record_id[0]]


def _figures(f: Figures) -> str:
    values = [v for v in (f.low, f.best, f.high) if v is not None]
    if not values:
        shown = "not reported"
    elif min(values) == max(values):
        shown = str(values[0])
    else:
        shown = f"{min(values)}–{max(values)}" + (f" (best {f.best})" if f.best is not None else "")
    return shown + (f" “{f.text}”" if f.text else "")


def _fields(kind: str, r, doc: GoldExtraction, names: dict[str, str]) -> list[list[str]]:
    """(label, value) pairs that describe a record, shared by the tables and the hover card."""

    def who(ref: str) -> str:
        return f"{names.get(ref, ref)} ({ref})"

    quotes = " … ".join(f"“{s.quote}”" for s in r.evidence) or "no evidence span"
    if kind == "incident":
        d, loc = r.date, r.location
        rows = [
            ["summary", r.summary],
            ["type", f"{r.event_type} / {r.sub_event_type}"],
            ["stage", r.stage],
            ["primary", "yes" if r.primary else "no (background)"],
            [
                "date",
                "not given"
                if d is None
                else (d.start if d.start == d.end else f"{d.start} – {d.end}") + f" ({d.precision})",
            ],
            [
                "place",
                ", ".join(p for p in (loc.name, loc.admin1, loc.country) if p)
                + f" [{loc.country_code}, {loc.precision}]",
            ],
            ["fatalities", _figures(r.fatalities)],
            ["injured", _figures(r.injured)],
            ["targets", "; ".join(r.targets + [who(a) for a in r.target_actor_ids]) or "—"],
            ["weapons", "; ".join(r.weapons) or "—"],
        ]
    elif kind == "actor":
        rows = [
            ["name", r.name],
            ["mentions", "; ".join(r.mentions) or "—"],
            ["kind", r.kind],
            ["country", r.country_code or "—"],
            ["backed by", "; ".join(who(a) for a in r.backed_by) or "—"],
        ]
    else:
        incident = next((i for i in doc.incidents if i.id == r.incident_id), None)
        rows = [
            ["incident", f"{r.incident_id}: {incident.summary}" if incident else r.incident_id],
            ["blamed", who(r.perpetrator_id) if r.perpetrator_id else "unknown"],
            ["by whom", who(r.source_id) if r.source_id else "the article, in its own voice"],
            ["kind", r.kind],
            ["hedged", "yes" if r.hedged else "no"],
        ]
        confidence = getattr(r, "confidence", None)  # the model's answer probability, where the contract has it
        if confidence is not None:
            rows.append(["confidence", f"{confidence:.2f}"])
    return rows + [["evidence", quotes]]


def _tables(doc: GoldExtraction, colors: dict[str, str], names: dict[str, str], data: dict) -> str:
    columns = {
        "incident": ("type", "date", "place", "fatalities"),
        "actor": ("name", "kind", "country"),
        "attribution": ("incident", "blamed", "by whom", "kind", "hedged", "evidence"),
    }
    out = []
    for kind, items in _groups(doc):
        head = "".join(f"<th>{c}</th>" for c in ("id",) + columns[kind])
        rows = []
        for r in items:
            fields = dict(data[r.id]["fields"])
            tip = fields.get("summary") or fields.get("incident") or fields.get("mentions")
            if kind == "attribution":
                fields["incident"] = r.incident_id  # the card gives its summary; the table only the id
            cells = "".join(f"<td>{_e(fields[c])}</td>" for c in columns[kind])
            classes = " ".join(
                c
                for c in (
                    kind,
                    "optional" if getattr(r, "optional", False) else "",
                    "" if data[r.id]["spans"] else "nospan",
                )
                if c
            )
            rows.append(
                f'<tr class="{classes}" data-record="{r.id}" tabindex="0" title="{_e(tip)}">'
                f'<th><span class="swatch" style="background: {colors[r.id]}"></span>{r.id}</th>{cells}</tr>'
            )
        body = "".join(rows) or f'<tr><td colspan="{len(columns[kind]) + 1}" class="muted">none</td></tr>'
        out.append(
            f'<h3>{kind.capitalize()}s ({len(items)})</h3><table class="records {kind}s"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )
    return "".join(out)


def _provenance(doc: GoldExtraction) -> str:
    p = doc.provenance
    if p is None:
        return "no provenance (a gold answer)"
    return f"{p.model} via {p.provider}, prompt {p.prompt_version}, {p.attempts} attempts{', cached' if p.cache_hit else ''}, {p.extracted_at:%Y-%m-%d %H:%M}"
