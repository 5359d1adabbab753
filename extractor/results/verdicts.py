"""An analyst's verdicts on the records of an article, and what they make of them (pure logic).

A verdict is one of
    accept   the record is right (as the model wrote it, or as fixed before);
    reject   the record is wrong: the article does not say it;
    fix      one field is wrong; `value` holds its new value, from the contract's own choices:
               incident     type (event_type and sub_event_type), date, place (location), fatalities
               actor        name, kind
               attribution  perpetrator (perpetrator_id), source (source_id), kind, hedged
             a fix accepts the rest of the record;
    add      a record the model missed; `value` is the whole record, its evidence the words the
             analyst selected in the article (offsets checked against the text, `selected_span`).
Verdicts are kept in the order made and never changed: a later verdict on a record overrides an
earlier one (accept after reject, a second fix of a field). `review(doc, verdicts)` applies them:
the records as reviewed, each with one status

    accepted    an analyst says it is right
    fixed       accepted with a field changed from the model's (a fix back to the model's value is none)
    rejected    an analyst says it is wrong; an unverified attribution of a rejected incident or
                actor is rejected with it
    added       an analyst added it
    unverified  no verdict yet

`check_verdict` applies one more verdict and refuses it, changing nothing, when the records would
break the contract (a sub-event type of another event type, a date after publication, a reference
to no record) or when a verified attribution would name a rejected incident or actor. A document
is verified once none of its records is unverified; its verified records are then a gold answer
(`Review.gold`) that `extractor eval` reads, and the model's own records scored against it are the
tool's measured quality (`quality`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractor.errors import InputError
from extractor.schema import ArticleExtraction, GoldExtraction
from extractor.taxonomy import (
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    ActorKind,
    AttributionKind,
    DatePrecision,
    LocationPrecision,
    Stage,
)

LEVELS = ("incident", "actor", "attribution")
LIST_OF = {"incident": "incidents", "actor": "actors", "attribution": "attributions"}
PREFIX = {"incident": "I", "actor": "A", "attribution": "T"}
LEVEL_OF = {prefix: level for level, prefix in PREFIX.items()}
ACTIONS = ("accept", "reject", "fix", "add")
STATUSES = ("accepted", "fixed", "rejected", "added", "unverified")
VERIFIED = frozenset({"accepted", "fixed", "added"})
# The fields a fix may change, by level: field name -> the record's attributes it sets.
FIXABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "incident": {
        "type": ("event_type", "sub_event_type"),
        "date": ("date",),
        "place": ("location",),
        "fatalities": ("fatalities",),
    },
    "actor": {"name": ("name",), "kind": ("kind",)},
    "attribution": {
        "perpetrator": ("perpetrator_id",),
        "source": ("source_id",),
        "kind": ("kind",),
        "hedged": ("hedged",),
    },
}
# What an added record must and may carry besides its id and evidence (the server gives both).
ADD_REQUIRED = {
    "incident": ("summary", "event_type", "sub_event_type", "stage", "primary", "date", "location"),
    "actor": ("name", "kind"),
    "attribution": ("incident_id", "perpetrator_id", "source_id", "kind", "hedged"),
}
ADD_OPTIONAL = {
    "incident": ("fatalities", "injured", "targets", "target_actor_ids", "weapons"),
    "actor": ("country_code", "mentions", "backed_by"),
    "attribution": (),
}


@dataclass(frozen=True)
class Verdict:
    """One verdict as the run store keeps it. `value`: a fix's new attribute values, or the whole
    record an add made (its id is `record`)."""

    record: str
    level: str
    action: str
    field: str | None = None
    value: Any = None
    reviewer: str = ""
    made_at: str = ""


class Selection(BaseModel):
    """Words selected in the article: offsets into the text as read (code points), end exclusive."""

    model_config = ConfigDict(extra="forbid")
    start: int = Field(ge=0)
    end: int = Field(ge=1)
    quote: str = Field(min_length=1, max_length=20_000)


class VerdictRequest(BaseModel):
    """A verdict as the review page sends it (untrusted: every field is checked)."""

    model_config = ConfigDict(extra="forbid")
    article: str = Field(pattern=r"^[0-9a-f]{32}$", description="the article's key in the run store")
    action: Literal["accept", "reject", "fix", "add"]
    record: str | None = Field(default=None, pattern=r"^[IAT][0-9]{1,6}$")
    level: Literal["incident", "actor", "attribution"] | None = None
    field: str | None = Field(default=None, max_length=40)
    value: dict[str, Any] | None = None
    evidence: Selection | None = None


@dataclass
class Review:
    """An article's records as reviewed: `document` holds every record (fixes applied, added
    ones in, rejected ones still there), `status` says what each is."""

    original: ArticleExtraction
    document: ArticleExtraction
    status: dict[str, str]
    fixed: dict[str, list[str]] = field(default_factory=dict)  # record id -> fields changed from the model's
    last: dict[str, Verdict] = field(default_factory=dict)  # record id -> its latest verdict (who, when)
    verdicts: int = 0  # how many were applied

    @property
    def unverified(self) -> list[str]:
        return [rid for rid, s in self.status.items() if s == "unverified"]

    @property
    def verified(self) -> bool:
        return not self.unverified

    def kept(
        self, statuses: Collection[str] = VERIFIED | {"unverified"}, *, rejected_incidents: bool = False
    ) -> ArticleExtraction:
        """The document with only the records of these statuses (and, with `rejected_incidents`,
        the rejected incidents too, for a table that shows their status); references to a record
        left out go (a target, a backer), and so do attributions whose incident or actor is left out."""
        keep = {
            rid
            for rid, s in self.status.items()
            if s in statuses or (rejected_incidents and s == "rejected" and rid.startswith("I"))
        }
        doc = self.document
        if len(keep) == len(self.status):
            return doc  # every record stays: nothing to take out
        incidents = {i.id for i in doc.incidents if i.id in keep}
        actors = {a.id for a in doc.actors if a.id in keep}
        data = doc.model_dump(mode="json")
        data["incidents"] = [
            {**i, "target_actor_ids": [a for a in i["target_actor_ids"] if a in actors]}
            for i in data["incidents"]
            if i["id"] in incidents
        ]
        data["actors"] = [
            {**a, "backed_by": [b for b in a["backed_by"] if b in actors]} for a in data["actors"] if a["id"] in actors
        ]
        data["attributions"] = [
            t
            for t in data["attributions"]
            if t["id"] in keep
            and t["incident_id"] in incidents
            and all(ref is None or ref in actors for ref in (t["perpetrator_id"], t["source_id"]))
        ]
        return type(doc).model_validate(data)

    def gold(self) -> GoldExtraction | None:
        """The verified records as a gold answer (no provenance, no warnings), or None while any
        record is unverified: a gold answer must say what is not in the article too."""
        if not self.verified:
            return None
        data = self.kept(VERIFIED).model_dump(mode="json", exclude={"provenance", "warnings"})
        for t in data["attributions"]:
            if t.get("confidence") is not None:
                t["confidence"] = None  # a model's certainty: no gold answer has one
        return GoldExtraction.model_validate(data)


def review(doc: ArticleExtraction, verdicts: Iterable[Verdict]) -> Review:
    """The records of `doc` with `verdicts` applied in order (see the module docstring)."""
    verdicts = list(verdicts)
    if not verdicts:  # most of a run: nothing to apply, nothing to copy
        status = {r.id: "unverified" for level in LEVELS for r in getattr(doc, LIST_OF[level])}
        return Review(doc, doc, status)
    data = doc.model_dump(mode="json")
    records: dict[str, tuple[str, dict]] = {r["id"]: (level, r) for level in LEVELS for r in data[LIST_OF[level]]}
    said: dict[str, str] = {}  # record id -> "accepted" | "rejected", the latest verdict's word
    added: set[str] = set()
    last: dict[str, Verdict] = {}
    count = 0
    for verdict in verdicts:
        count += 1
        if verdict.action == "add":
            record = dict(verdict.value)
            data[LIST_OF[verdict.level]].append(record)
            records[verdict.record] = (verdict.level, record)
            added.add(verdict.record)
            said[verdict.record] = "accepted"
        elif verdict.record not in records:
            continue  # cannot happen for a verdict check_verdict let in
        elif verdict.action == "fix":
            _patch(records[verdict.record][1], verdict.level, verdict.field or "", verdict.value or {})
            said[verdict.record] = "accepted"
        else:
            said[verdict.record] = "accepted" if verdict.action == "accept" else "rejected"
        last[verdict.record] = verdict
    document = type(doc).model_validate(data)

    model_records = {r.id: (level, r) for level in LEVELS for r in getattr(doc, LIST_OF[level])}
    fixed: dict[str, list[str]] = {}
    for level in LEVELS:
        for record in getattr(document, LIST_OF[level]):
            if record.id in model_records and record.id in last:
                before = model_records[record.id][1]
                changed = [
                    name
                    for name, attrs in FIXABLE[level].items()
                    if any(getattr(record, a) != getattr(before, a) for a in attrs)
                ]
                if changed:
                    fixed[record.id] = changed
    status = {
        r.id: _status(said.get(r.id), r.id in added, r.id in fixed)
        for level in LEVELS
        for r in getattr(document, LIST_OF[level])
    }
    rejected = {rid for rid, s in status.items() if s == "rejected"}
    for t in document.attributions:
        if status[t.id] == "unverified" and {t.incident_id, t.perpetrator_id, t.source_id} & rejected:
            status[t.id] = "rejected"
    return Review(doc, document, status, fixed, last, count)


def _status(said: str | None, added: bool, fixed: bool) -> str:
    if said == "rejected":
        return "rejected"
    if added:
        return "added"
    if said == "accepted":
        return "fixed" if fixed else "accepted"
    return "unverified"


def _patch(record: dict, level: str, name: str, value: dict) -> None:
    """Set a fixed field's attributes; a nested value (date, location, fatalities) is merged
    over the record's, so what the form does not show (the date's words) stays. An actor's
    former name stays among its mentions: the article calls it that. A fixed perpetrator has no
    confidence: the model's was for its own answer."""
    former = record.get("name")
    for attr in FIXABLE[level][name]:
        new, old = value[attr], record.get(attr)
        if isinstance(new, dict) and isinstance(old, dict):
            merged = {**old, **new}
            if attr == "location" and _moved(old, merged):
                merged["latitude"] = merged["longitude"] = None  # the old place's coordinates
            record[attr] = merged
        else:
            record[attr] = new
    if level == "attribution" and name == "perpetrator" and record.get("confidence") is not None:
        record["confidence"] = None  # the model's certainty of its own answer, not of the analyst's
    if level == "actor" and name == "name" and former and former != record["name"]:
        mentions = [*record.get("mentions", []), former]
        record["mentions"] = [m for m in dict.fromkeys(mentions) if m != record["name"]]


def _moved(old: dict, new: dict) -> bool:
    """A place fixed to another name or country, its coordinates left as they were."""
    elsewhere = (old.get("name"), old.get("country_code")) != (new.get("name"), new.get("country_code"))
    same_point = (old.get("latitude"), old.get("longitude")) == (new.get("latitude"), new.get("longitude"))
    return elsewhere and same_point


def check_verdict(
    doc: ArticleExtraction,
    earlier: list[Verdict],
    request: VerdictRequest,
    text: str,
    *,
    reviewer: str,
    now: str | None = None,
) -> tuple[Verdict, Review]:
    """The verdict `request` asks for on `doc` (whose earlier verdicts are `earlier` and whose
    article text is `text`), with the review it makes; or an InputError saying what is wrong
    with it, in which case nothing is to be recorded."""
    before = review(doc, earlier)
    verdict = _verdict(request, before, text, reviewer, now or _now())
    try:
        after = review(doc, [*earlier, verdict])
        after.kept()
    except ValidationError as exc:
        raise _refused(verdict, _problem(exc, before, verdict)) from None
    new = [c for c in _conflicts(after) if c not in _conflicts(before)]
    if new:
        raise _refused(verdict, new[0])
    return verdict, after


def _verdict(request: VerdictRequest, before: Review, text: str, reviewer: str, now: str) -> Verdict:
    what = f"{request.action} {request.record or request.level or ''}".strip()
    if request.action == "add":
        level = request.level
        if level is None or request.record or request.field:
            raise _bad(
                what, "an added record gives its level (incident, actor or attribution) and no record id or field"
            )
        if request.evidence is None:
            raise _bad(what, "has no evidence", hint="select the words that say it in the article, then add")
        value = dict(request.value or {})
        unknown = sorted(set(value) - set(ADD_REQUIRED[level]) - set(ADD_OPTIONAL[level]))
        missing = [k for k in ADD_REQUIRED[level] if k not in value]
        if unknown or missing:
            problem = f"unknown fields {', '.join(unknown)}" if unknown else f"lacks {', '.join(missing)}"
            raise _bad(what, f"an added {level} {problem}", hint=f"give {', '.join(ADD_REQUIRED[level])}")
        span = selected_span(request.evidence, text)
        if level == "actor" and span["quote"] != value["name"]:
            value["mentions"] = list(dict.fromkeys([*value.get("mentions", []), span["quote"]]))
        record_id = _next_id(before.document, level)
        return Verdict(record_id, level, "add", None, {"id": record_id, **value, "evidence": [span]}, reviewer, now)
    record_id = request.record
    if record_id is None:
        raise _bad(what, "names no record", hint="give the record's id, e.g. I1, A2 or T3")
    level = LEVEL_OF[record_id[0]]
    if record_id not in before.status:
        raise _bad(what, f"{record_id} is not a record of {before.original.article.id}", hint="reload the page")
    if request.level not in (None, level) or request.evidence is not None:
        raise _bad(what, f"{record_id} is an {level}; only an added record has a level and evidence")
    if request.action in ("accept", "reject"):
        if request.field is not None or request.value is not None:
            raise _bad(what, f"to {request.action} a record give no field or value", hint="use fix to change a field")
        return Verdict(record_id, level, request.action, None, None, reviewer, now)
    name = request.field
    if name not in FIXABLE[level]:
        raise _bad(what, f"an {level} has no field {name!r} to fix", hint=f"fix one of {', '.join(FIXABLE[level])}")
    attrs = FIXABLE[level][name]
    if request.value is None or set(request.value) != set(attrs):
        raise _bad(what, f"a fix of {name} gives {', '.join(attrs)} and nothing else")
    return Verdict(record_id, level, "fix", name, dict(request.value), reviewer, now)


def selected_span(selection: Selection, text: str) -> dict[str, Any]:
    """The evidence span for words selected in the article: the offsets must hold the quote."""
    start, end, quote = selection.start, selection.end, selection.quote
    if not start < end <= len(text):
        raise _bad("selection", f"{start}:{end} is not within the article's {len(text)} characters")
    if text[start:end] != quote:
        raise _bad(
            "selection", f"the article's words at {start}:{end} are not {quote[:60]!r}", hint="select them again"
        )
    if not quote.strip():
        raise _bad("selection", "holds no words", hint="select the words that say it")
    return {"quote": quote, "start": start, "end": end, "alignment": "exact"}


def _next_id(doc: ArticleExtraction, level: str) -> str:
    numbers = [int(r.id[1:]) for r in getattr(doc, LIST_OF[level])]
    return f"{PREFIX[level]}{max(numbers, default=0) + 1}"


def _conflicts(r: Review) -> list[str]:
    """Verified attributions that name a rejected record."""
    out = []
    for t in r.document.attributions:
        status = r.status[t.id]
        if status not in VERIFIED:
            continue
        for role, ref in (("incident", t.incident_id), ("perpetrator", t.perpetrator_id), ("source", t.source_id)):
            if ref is not None and r.status.get(ref) == "rejected":
                out.append(
                    f"{t.id} ({status}) has {ref} as its {role}, and {ref} is rejected: "
                    f"reject {t.id} or fix its {role}, or accept {ref} again"
                )
    return out


def _problem(exc: ValidationError, before: Review, verdict: Verdict) -> str:
    """The first problem, its place named by record id ("I1.date.start"), not list position."""
    first = exc.errors()[0]
    loc = list(first["loc"])
    if len(loc) >= 2 and loc[0] in LIST_OF.values() and isinstance(loc[1], int):
        ids = [r.id for r in getattr(before.document, str(loc[0]))] + [verdict.record] * (verdict.action == "add")
        if loc[1] < len(ids):
            loc = [ids[loc[1]], *loc[2:]]
    where = ".".join(str(part) for part in loc)
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _bad(what: str, problem: str, *, hint: str = "see the fix form's choices") -> InputError:
    return InputError(f"verdict {what}", problem, hint=hint)


def _refused(verdict: Verdict, problem: str) -> InputError:
    what = f"{verdict.action} {verdict.record}" + (f" {verdict.field}" if verdict.field else "")
    return InputError(f"verdict {what}", f"would break the contract: {problem}", hint="nothing was recorded")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# --- what the review page shows -----------------------------------------------------------------


def record_of(doc: ArticleExtraction, record_id: str):
    return next(r for r in getattr(doc, LIST_OF[LEVEL_OF[record_id[0]]]) if r.id == record_id)


def record_state(r: Review, record_id: str) -> dict[str, Any]:
    """A record's status and its fixable values, for the page's buttons and forms. An
    attribution's `confidence` (the model's answer probability) is shown where the contract has it."""
    level = LEVEL_OF[record_id[0]]
    dump = record_of(r.document, record_id).model_dump(mode="json")
    values = {a: dump.get(a) for attrs in FIXABLE[level].values() for a in attrs}
    if level == "attribution":
        values["incident_id"] = dump["incident_id"]
        if dump.get("confidence") is not None:
            values["confidence"] = dump["confidence"]
    last = r.last.get(record_id)
    return {
        "status": r.status[record_id],
        "fixed": r.fixed.get(record_id, []),
        "by": last.reviewer if last else None,
        "at": last.made_at if last else None,
        "values": values,
    }


def choices() -> dict[str, Any]:
    """The contract's own choices, for the page's forms (the server checks them again)."""
    return {
        "event_types": {e: list(SUB_EVENT_TYPES[e]) for e in EVENT_TYPES},
        "stages": list(get_args(Stage)),
        "date_precisions": list(get_args(DatePrecision)),
        "location_precisions": list(get_args(LocationPrecision)),
        "actor_kinds": list(get_args(ActorKind)),
        "attribution_kinds": list(get_args(AttributionKind)),
        "fixable": {level: {name: list(attrs) for name, attrs in fields.items()} for level, fields in FIXABLE.items()},
    }


def registry_entry(verdict: Verdict, after: Review) -> tuple[str, str, str | None, list[str]] | None:
    """(name, kind, country code, aliases) for the user's actor registry when `verdict` named an
    actor: an added actor (aliases: the words selected and its mentions), or a fixed name (the
    former name and mentions): so the next run names that actor the same way."""
    if verdict.level != "actor" or not (
        verdict.action == "add" or (verdict.action == "fix" and verdict.field == "name")
    ):
        return None
    actor = record_of(after.document, verdict.record)
    aliases = [*actor.mentions, *(s.quote for s in actor.evidence)] if verdict.action == "add" else actor.mentions
    return actor.name, actor.kind, actor.country_code, list(dict.fromkeys(aliases))


# --- what the verdicts measure ------------------------------------------------------------------


@dataclass
class Quality:
    """A run's review: how far it got, what was fixed, and the model's records scored against
    the verified documents (the `extractor eval` figures, from `Review.gold`)."""

    documents: int = 0  # documents with at least one verdict
    verified: int = 0  # documents with no record left unverified
    verdicts: int = 0
    statuses: Counter = field(default_factory=Counter)
    fixes: Counter = field(default_factory=Counter)  # "incident date" -> records fixed so
    reviewers: set[str] = field(default_factory=set)
    last: str = ""
    score: Any = None  # extractor.results.evaluate.Score over the verified documents


def quality(reviews: Iterable[Review]) -> Quality:
    from extractor.results.evaluate import Score, score_article

    q = Quality(score=Score("verified"))
    for r in reviews:
        q.documents += 1
        q.statuses.update(r.status.values())
        q.verdicts += r.verdicts
        for record_id, names in r.fixed.items():
            if r.status[record_id] == "fixed":
                q.fixes.update(f"{LEVEL_OF[record_id[0]]} {name}" for name in names)
        for v in r.last.values():
            q.reviewers.add(v.reviewer)
            q.last = max(q.last, v.made_at)
        gold = r.gold()
        if gold is not None:
            q.verified += 1
            q.score.add(score_article(gold, r.original))  # type: ignore[arg-type]  # a verified document scores as gold
    return q


def describe(q: Quality, done: int) -> list[str]:
    """Lines for `extractor runs show` and the end of a review session."""
    if not q.documents:
        return ["review: no verdicts yet (extractor review RUN --serve)"]
    counts = ", ".join(f"{q.statuses[s]} {s}" for s in STATUSES)
    lines = [
        f"review: {q.verified} of {done} documents verified ({q.documents} reviewed), {q.verdicts} verdicts by "
        f"{', '.join(sorted(q.reviewers))}, the last at {q.last}",
        f"records: {counts}",
    ]
    if q.verified:
        lines.append(
            f"measured quality on the {q.verified} verified documents (the model's records against the analyst's):"
        )
        for name in ("incidents", "actors", "attributions"):
            c = getattr(q.score, name)
            lines.append(
                f"  {name:13} precision {_num(c.precision)}  recall {_num(c.recall)}  (tp {c.tp}, fp {c.fp}, fn {c.fn})"
            )
    if q.fixes:
        lines.append("fixes most often made: " + ", ".join(f"{kind} {n}" for kind, n in q.fixes.most_common(5)))
    return lines


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
