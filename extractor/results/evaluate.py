"""Scoring predictions against gold answers, as docs/contract.md ("Scoring") states it.

Pure logic: `score_article(gold, pred, text)` compares two documents; `evaluate(...)` pairs the
files and sums the articles (micro-averages: counts are added, then divided). The rules:

- Incidents are matched one-to-one, greedily on a similarity of evidence overlap (0.4), date
  ranges overlapping (0.2), location (0.2: the same place name, as normalised names or as one of
  the gazetteer's spellings, "Boukamal" and "Albu Kamal"; 0.1: same country only) and
  event type (0.2); a pair needs at least MATCH_THRESHOLD. Greedy rather than optimal (Hungarian)
  matching: with a handful of incidents per article it gives the optimal pairing in every case we have.
- Actors match when any normalised name or mention coincides (one-to-one, most shared names first).
- Attributions match on (matched incident, matched perpetrator or null, matched source or null).
- Gold items marked optional are neither required nor penalised: unmatched they are not misses,
  and a prediction matched to one is neither a hit nor a false alarm, nor scored field by field.
  An attribution whose incident or actors are optional is optional too.
- Field accuracy is over matched, required pairs: date is right when the ranges overlap; location
  name when it is the same place name (as above; MUC-4's "Lima : San Isidro" by either part);
  fatalities when the headline figure (best, else low, else high; null when not reported) is equal.
- Grounding: the share of predicted spans whose quote equals text[start:end] (needs the article
  text), the share aligned exactly, and the quotes dropped (warnings with the code
  `quote_not_found`; a schema version 1 document's warnings have no codes, and count none).

Gold from the development sets (MUC-4, CASE 2021) records less, and is scored on what it
records:
- a gold incident without evidence is matched on its date (0.35; half of it when the gold has no
  date), country (0.25), event type (0.2) and targets (0.2: a word of three letters or more of a
  gold target found in the prediction's targets, summary or evidence), with the same threshold:
  country and type alone do not make a match, the date or the targets must agree too;
- an event type is right when it is one of the gold's `event_type_any`; an attribution's kind when
  it is one of `kind_any`;
- a gold attribution with `kind_any` does not record who made it: it matches on incident and
  perpetrator, whatever the predicted source;
- a field the gold leaves null or unset (sub-event type, date, fatalities, a place name that is
  only the country) is not scored;
- gold without sha256 is paired with predictions by article id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from extractor.errors import InputError
from extractor.results.read import ArticleTexts, Result, read_results
from extractor.schema import GoldExtraction
from extractor.taxonomy import WarningCode

MATCH_THRESHOLD = 0.5
FIELDS = ("event_type", "sub_event_type", "primary", "date", "country", "location", "fatalities", "kind", "hedged")
_NULL = "null"  # a perpetrator or source that is null, as opposed to an actor that did not match


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def as_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class Accuracy:
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.correct / self.total if self.total else None

    def record(self, right: bool) -> None:
        self.correct += int(right)
        self.total += 1

    def as_dict(self) -> dict:
        return {**asdict(self), "accuracy": self.value}


@dataclass
class Grounding:
    spans: int = 0
    verified: int | None = 0  # None when the article text was not available
    exact: int = 0
    dropped: int = 0

    def add(self, other: Grounding) -> None:
        self.verified = None if self.verified is None or other.verified is None else self.verified + other.verified
        self.spans, self.exact, self.dropped = (
            self.spans + other.spans,
            self.exact + other.exact,
            self.dropped + other.dropped,
        )

    def as_dict(self) -> dict:
        share = lambda n: n / self.spans if self.spans and n is not None else None  # noqa: E731
        return {**asdict(self), "verified_share": share(self.verified), "exact_share": share(self.exact)}


@dataclass
class Score:
    article: str
    incidents: Counts = field(default_factory=Counts)
    actors: Counts = field(default_factory=Counts)
    attributions: Counts = field(default_factory=Counts)
    fields: dict[str, Accuracy] = field(default_factory=lambda: {name: Accuracy() for name in FIELDS})
    grounding: Grounding = field(default_factory=Grounding)
    notes: list[str] = field(default_factory=list)
    # Attributions by kind (a matched pair of different kinds counts against both), and the kinds
    # of matched pairs as "gold->predicted".
    kinds: dict[str, Counts] = field(default_factory=dict)
    kind_confusion: dict[str, int] = field(default_factory=dict)
    # Accusation errors in the predictions (`accusation_errors`): perpetrators or sources that are
    # dates or places, perpetrators that are the incident's target, "unknown" beside a perpetrator.
    accusations: dict[str, int] = field(default_factory=dict)

    def add(self, other: Score) -> None:
        for name in ("incidents", "actors", "attributions"):
            getattr(self, name).add(getattr(other, name))
        for kind, counts in other.kinds.items():
            self.kinds.setdefault(kind, Counts()).add(counts)
        for pair, n in other.kind_confusion.items():
            self.kind_confusion[pair] = self.kind_confusion.get(pair, 0) + n
        for error, n in other.accusations.items():
            self.accusations[error] = self.accusations.get(error, 0) + n
        for name, acc in other.fields.items():
            self.fields[name].correct += acc.correct
            self.fields[name].total += acc.total
        self.grounding.add(other.grounding)

    def as_dict(self) -> dict:
        return {
            "article": self.article,
            "incidents": self.incidents.as_dict(),
            "actors": self.actors.as_dict(),
            "attributions": self.attributions.as_dict(),
            "fields": {name: acc.as_dict() for name, acc in self.fields.items()},
            "grounding": self.grounding.as_dict(),
            "kinds": {kind: counts.as_dict() for kind, counts in sorted(self.kinds.items())},
            "kind_confusion": dict(sorted(self.kind_confusion.items())),
            "accusations": dict(sorted(self.accusations.items())),
            "notes": self.notes,
        }


# --- normalisation and similarity -------------------------------------------------------------

_ARTICLES = {"the", "al", "el", "ar", "as", "ad", "an", "az", "ez"}


def normal_name(name: str) -> str:
    """Case, accents, punctuation, a leading 'the' and Arabic articles folded away:
    'U.S.-led coalition' == 'US-led Coalition', 'Al-Omar oil field' == 'Omar oil field'."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).replace("’", "'")
    words = [w for w in re.split(r"[^0-9a-z]+", folded.replace(".", "").replace("'", "")) if w]
    return "".join(w for w in words if w not in _ARTICLES)


def _overlap(a: list, b: list) -> float:
    """Largest overlap between any two spans, as a share of the shorter one."""
    best = 0.0
    for x in a:
        for y in b:
            shared = min(x.end, y.end) - max(x.start, y.start)
            if shared > 0:
                best = max(best, shared / min(x.end - x.start, y.end - y.start))
    return best


def _dates_overlap(a, b) -> bool:
    """Whether two date ranges share a day. A null date (gold or a file in the gold format may
    leave it out) overlaps nothing."""
    if a is None or b is None:
        return False
    return a.start <= b.end and b.start <= a.end


def _headline(figures) -> int | None:
    return next((v for v in (figures.best, figures.low, figures.high) if v is not None), None)


def _event_type_right(pred, gold) -> bool:
    return pred.event_type in (getattr(gold, "event_type_any", None) or [gold.event_type])


def _words(texts: Iterable[str]) -> set[str]:
    return {w for text in texts for w in re.split(r"[^0-9a-z]+", text.casefold()) if len(w) >= 3}


def _targets_shared(pred, gold) -> bool:
    said = _words([*pred.targets, pred.summary, *(s.quote for s in pred.evidence)])
    return any(_words([target]) & said for target in gold.targets)


def incident_similarity(pred, gold) -> float:
    dated = gold.date is None or _dates_overlap(pred.date, gold.date)
    if not gold.evidence:  # development-set gold: no spans to overlap
        date = 0.175 if gold.date is None else 0.35 * dated
        return (
            date
            + 0.25 * (pred.location.country_code == gold.location.country_code)
            + 0.2 * _event_type_right(pred, gold)
            + 0.2 * _targets_shared(pred, gold)
        )
    location = (
        0.2
        if same_place(pred.location.name, gold.location.name)
        else (0.1 if pred.location.country_code == gold.location.country_code else 0.0)
    )
    return (
        0.4 * _overlap(pred.evidence, gold.evidence)
        + 0.2 * dated
        + location
        + 0.2 * (pred.event_type == gold.event_type)
    )


def _place_named(gold) -> bool:
    """Whether the gold names a place finer than its country (dev gold often gives the country)."""
    return normal_name(gold.location.name) != normal_name(gold.location.country)


def same_place(a: str, b: str) -> bool:
    """Whether two place names are one name spelt two ways (normalisation writes the gazetteer's
    spelling: "Boukamal" is "Albu Kamal", "Deir el-Zour" is "Deir ez-Zor")."""
    from extractor.normalise.gazetteer import name_keys

    return normal_name(a) == normal_name(b) or bool(name_keys(a) & name_keys(b))


def _place_right(pred, gold) -> bool:
    # MUC-4 writes "Lima : San Isidro": either part names the place
    return any(same_place(pred.location.name, part) for part in [gold.location.name, *gold.location.name.split(":")])


def _greedy(scored: Iterable[tuple[float, int, int]]) -> dict[int, int]:
    """One-to-one pairs (pred index -> gold index), best score first, ties in document order."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, p, g in sorted(scored, key=lambda t: (-t[0], t[1], t[2])):
        if p not in pairs and g not in used:
            pairs[p] = g
            used.add(g)
    return pairs


def _names(actor) -> set[str]:
    return {n for n in (normal_name(x) for x in [actor.name, *actor.mentions]) if n}


# --- scoring one article ----------------------------------------------------------------------


def score_article(gold: GoldExtraction, pred: GoldExtraction, text: str | None = None) -> Score:
    score = Score(gold.article.id)

    # Incidents
    sims = [
        (s, p, g)
        for p, pi in enumerate(pred.incidents)
        for g, gi in enumerate(gold.incidents)
        if (s := incident_similarity(pi, gi)) >= MATCH_THRESHOLD
    ]
    inc_pairs = _greedy(sims)
    incident_map = {pred.incidents[p].id: gold.incidents[g].id for p, g in inc_pairs.items()}
    optional_incidents = {g.id for g in gold.incidents if g.optional}
    _count(score.incidents, len(pred.incidents), inc_pairs, [g.optional for g in gold.incidents])
    for p, g in inc_pairs.items():
        pi, gi = pred.incidents[p], gold.incidents[g]
        if gi.optional:
            continue
        f = score.fields
        f["event_type"].record(_event_type_right(pi, gi))
        if gi.sub_event_type is not None:
            f["sub_event_type"].record(pi.sub_event_type == gi.sub_event_type)
        f["primary"].record(pi.primary == gi.primary)
        if gi.date is not None:
            f["date"].record(_dates_overlap(pi.date, gi.date))
        f["country"].record(pi.location.country_code == gi.location.country_code)
        if _place_named(gi):
            f["location"].record(_place_right(pi, gi))
        if "fatalities" in gi.model_fields_set:
            f["fatalities"].record(_headline(pi.fatalities) == _headline(gi.fatalities))

    # Actors
    gold_names = [_names(a) for a in gold.actors]
    sims = [
        (len(names & gold_names[g]), p, g)
        for p, a in enumerate(pred.actors)
        if (names := _names(a))
        for g in range(len(gold.actors))
        if names & gold_names[g]
    ]
    actor_pairs = _greedy(sims)
    actor_map = {pred.actors[p].id: gold.actors[g].id for p, g in actor_pairs.items()}
    optional_actors = {a.id for a in gold.actors if a.optional}
    _count(score.actors, len(pred.actors), actor_pairs, [a.optional for a in gold.actors])

    # Attributions
    def optional(t) -> bool:
        return (
            t.optional
            or t.incident_id in optional_incidents
            or bool({t.perpetrator_id, t.source_id} & optional_actors)
            or _third_party_denial(t)
        )

    def key_of_pred(t, gold_t) -> tuple:
        ref = lambda r: _NULL if r is None else actor_map.get(r, f"unmatched:{r}")  # noqa: E731
        source = _NULL if gold_t.kind_any is not None else ref(t.source_id)  # dev gold: source not recorded
        return (incident_map.get(t.incident_id, f"unmatched:{t.incident_id}"), ref(t.perpetrator_id), source)

    def key_of_gold(t) -> tuple:
        return (t.incident_id, t.perpetrator_id or _NULL, t.source_id or _NULL)

    def kind_right(pt, gt) -> bool:
        return pt.kind in (gt.kind_any or [gt.kind])

    members, alternative = _statements(gold.attributions, optional)
    # An alternative is no target of its own: a prediction matching it matches its statement. A
    # prediction that is a gold statement itself pairs with it first; then kind, hedge, and a
    # required statement before an optional one.
    sims = [
        (2 + direct + kind_right(pt, gt) + 0.5 * (pt.hedged == gt.hedged) + 0.1 * (not optional(gt)), p, g)
        for p, pt in enumerate(pred.attributions)
        for g, gt in enumerate(gold.attributions)
        if not alternative[g]
        and (
            (direct := key_of_pred(pt, gt) == key_of_gold(gt))
            or any(key_of_pred(pt, m) == key_of_gold(m) for m in members[g])
        )
    ]
    attr_pairs = _greedy(sims)
    # A second prediction of a statement already matched, by its alternative, is neither a hit
    # nor a false alarm: it pairs with the alternative, which is optional.
    spare = [
        (1.0, p, g)
        for p, pt in enumerate(pred.attributions)
        if p not in attr_pairs
        for g, gt in enumerate(gold.attributions)
        if alternative[g] and key_of_pred(pt, gt) == key_of_gold(gt)
    ]
    for p, g in _greedy(spare).items():
        if g not in attr_pairs.values():
            attr_pairs[p] = g
    _count(score.attributions, len(pred.attributions), attr_pairs, [optional(t) for t in gold.attributions])
    for p, g in attr_pairs.items():
        pt, gt = pred.attributions[p], gold.attributions[g]
        if not optional(gt):
            score.fields["kind"].record(kind_right(pt, gt))
            score.fields["hedged"].record(pt.hedged == gt.hedged)
    _count_kinds(score, pred, gold, attr_pairs, optional, kind_right)

    score.grounding = grounding(pred, text)
    score.accusations = accusation_errors(pred, gold, incident_map)
    return score


def _third_party_denial(t) -> bool:
    """A denial made by someone other than the actor cleared: the contract's `denied` is an
    actor's own denial, so a third party clearing another is neither required nor penalised."""
    return t.kind == "denied" and t.source_id is not None and t.source_id != t.perpetrator_id


def _statements(attributions, optional) -> tuple[list[list], list[bool]]:
    """For each gold attribution, the attributions a prediction may match to match it, and whether
    it is only an alternative of another. A statement
    made by a spokesperson for an organisation is written once as required and again as optional,
    credited to the other: attributions sharing incident, perpetrator and kind with exactly one
    required member are one statement, and a prediction matching any member matches the required
    one (the optional members stay neutral alternatives)."""
    groups: dict[tuple, list] = {}
    for t in attributions:
        groups.setdefault((t.incident_id, t.perpetrator_id, t.kind), []).append(t)
    members, alternative = [], []
    for t in attributions:
        group = groups[(t.incident_id, t.perpetrator_id, t.kind)]
        required = [m for m in group if not optional(m)]
        members.append(group if not optional(t) and len(required) == 1 else [t])
        alternative.append(optional(t) and len(required) == 1)
    return members, alternative


_CALENDAR = re.compile(
    r"^(?:(?:on|last|this|next|early|late)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"yesterday|today|tonight|(?:the\s+)?(?:morning|evening|night|weekend)|\d{1,4}(?:s)?)"
    r"(?:\s+(?:night|morning|evening|afternoon|\d{1,2}(?:st|nd|rd|th)?|\d{4}))*$",
    re.I,
)


def _is_date(name: str) -> bool:
    return bool(_CALENDAR.match(name.strip(" .,")))


def _is_place(name: str) -> bool:
    """A town or a province (a state can act; its capital or a region cannot)."""
    from extractor.normalise.gazetteer import default_gazetteer

    place = default_gazetteer().lookup(name)
    return place is not None and place.kind != "country" and normal_name(place.name) == normal_name(name)


def _is_target(names: set[str], targets: Iterable[str]) -> bool:
    """Whether an actor is what the incident hit: one of its names is a target's name, or ends one
    ("the office of the PDP" for the PDP)."""
    for target in targets:
        folded = normal_name(target)
        if folded and any(n and (folded == n or folded.endswith(n) and len(n) >= 4) for n in names):
            return True
    return False


def accusation_errors(pred, gold=None, incident_map: dict[str, str] | None = None) -> dict[str, int]:
    """Counts of the accusation errors an analyst cannot accept, in predicted attributions: a
    perpetrator or a source that is a date or a place, a perpetrator that is the incident's own
    target (its targets, target actors, or the matched gold incident's), and incidents holding
    both "unknown" and a named perpetrator in the article's own voice."""
    actors = {a.id: a for a in pred.actors}
    incidents = {i.id: i for i in pred.incidents}
    gold_incidents = {i.id: i for i in gold.incidents} if gold is not None else {}
    gold_actors = {a.id: a for a in gold.actors} if gold is not None else {}
    counts = {
        "perpetrator_date": 0,
        "perpetrator_place": 0,
        "perpetrator_target": 0,
        "source_date": 0,
        "source_place": 0,
        "unknown_and_reported": 0,
    }
    for t in pred.attributions:
        for role in ("perpetrator", "source"):
            actor = actors.get(getattr(t, f"{role}_id") or "")
            if actor is None:
                continue
            counts[f"{role}_date"] += any(_is_date(n) for n in (actor.name, *actor.mentions))
            counts[f"{role}_place"] += _is_place(actor.name)
        perpetrator = actors.get(t.perpetrator_id or "")
        incident = incidents.get(t.incident_id)
        if perpetrator is None or incident is None:
            continue
        names = _names(perpetrator)
        targets = list(incident.targets)
        targets += [n for a in incident.target_actor_ids if a in actors for n in (actors[a].name, *actors[a].mentions)]
        matched = gold_incidents.get((incident_map or {}).get(incident.id, ""))
        if matched is not None:
            targets += list(matched.targets)
            targets += [
                n
                for a in matched.target_actor_ids
                if a in gold_actors
                for n in (gold_actors[a].name, *gold_actors[a].mentions)
            ]
        counts["perpetrator_target"] += _is_target(names, targets)
    for incident in pred.incidents:
        said = [t for t in pred.attributions if t.incident_id == incident.id]
        if any(t.kind == "unknown" for t in said) and any(t.kind == "reported" and t.perpetrator_id for t in said):
            counts["unknown_and_reported"] += 1
    return counts


def _count_kinds(
    score: Score, pred: GoldExtraction, gold: GoldExtraction, pairs: dict[int, int], optional, kind_right
) -> None:
    def counts(kind: str) -> Counts:
        return score.kinds.setdefault(kind, Counts())

    for p, pt in enumerate(pred.attributions):
        g = pairs.get(p)
        if g is None:
            counts(pt.kind).fp += 1
            continue
        gt = gold.attributions[g]
        if optional(gt):
            continue
        gold_kind = pt.kind if kind_right(pt, gt) else gt.kind
        score.kind_confusion[f"{gold_kind}->{pt.kind}"] = score.kind_confusion.get(f"{gold_kind}->{pt.kind}", 0) + 1
        if gold_kind == pt.kind:
            counts(pt.kind).tp += 1
        else:
            counts(pt.kind).fp += 1
            counts(gt.kind).fn += 1
    for g, gt in enumerate(gold.attributions):
        if g not in pairs.values() and not optional(gt):
            counts(gt.kind).fn += 1


def _count(counts: Counts, predicted: int, pairs: dict[int, int], gold_optional: list[bool]) -> None:
    matched_optional = sum(gold_optional[g] for g in pairs.values())
    counts.tp = len(pairs) - matched_optional
    counts.fp = predicted - len(pairs)
    counts.fn = sum(1 for g, opt in enumerate(gold_optional) if not opt and g not in pairs.values())


def grounding(pred: GoldExtraction, text: str | None) -> Grounding:
    spans = [s for items in (pred.incidents, pred.actors, pred.attributions) for item in items for s in item.evidence]
    verified = None if text is None else sum(1 for s in spans if text[s.start : s.end] == s.quote)
    exact = sum(
        1
        for s in spans
        if s.alignment == "exact" or (s.alignment is None and text is not None and text[s.start : s.end] == s.quote)
    )
    dropped = sum(1 for w in pred.warnings if w.code == WarningCode.QUOTE_NOT_FOUND)
    return Grounding(spans=len(spans), verified=verified, exact=exact, dropped=dropped)


# --- files ------------------------------------------------------------------------------------


@dataclass
class Report:
    articles: list[Score]
    overall: Score

    def as_dict(self) -> dict:
        return {"articles": [s.as_dict() for s in self.articles], "overall": self.overall.as_dict()}


def evaluate(
    gold_paths: Iterable[str | Path], pred_paths: Iterable[str | Path], article_sources: Iterable[str | Path] = ()
) -> Report:
    """Score every prediction in `pred_paths` against the gold answers in `gold_paths`.

    Predictions are paired with gold by the article's sha256, else by id (then the texts must be
    the same). Two gold answers for one article, a prediction with no gold answer, or two
    predictions for one article are errors naming the file; a gold article with no prediction
    counts as an empty prediction (all missed). Article texts, needed to verify spans, are looked
    up in `article_sources`, by default the `articles` folder beside the gold folder."""
    gold_files = [Path(p) for p in gold_paths]
    golds = list(read_results(gold_files))
    by_sha: dict[str, Result] = {}
    for gold in golds:
        if gold.doc.article.sha256 is None:  # development-set gold: paired by id
            continue
        twin = by_sha.get(gold.doc.article.sha256)
        if twin is not None:
            raise InputError(
                gold.origin,
                f"holds a gold answer for {gold.doc.article.id!r}, which {twin.origin} already holds",
                hint="each gold file must answer a different article; check that the file was not overwritten",
            )
        by_sha[gold.doc.article.sha256] = gold
    by_id = {g.doc.article.id: g for g in golds}
    sources = list(article_sources)
    if not sources:
        beside = {(p if p.is_dir() else p.parent).parent / "articles" for p in gold_files}
        sources = sorted(d for d in beside if d.is_dir())
    texts = ArticleTexts(sources)
    where = ", ".join(str(p) for p in gold_files)

    predicted: dict[str, Result] = {}
    for result in read_results(pred_paths):
        article = result.doc.article
        if article.sha256 is None:  # gold from the dev sets may lack it; an extraction never does
            raise InputError(
                result.origin,
                "is not a valid extraction (article.sha256: Field required)",
                hint="give a result written by `extractor extract`",
            )
        paired = by_sha.get(article.sha256) or by_id.get(article.id)
        if paired is None:
            raise InputError(
                result.origin,
                f"is for article {article.id!r}, which has no gold answer in {where}",
                hint="pass only predictions for the gold articles, or add a gold answer",
            )
        if paired.doc.article.sha256 not in (None, article.sha256):
            raise InputError(
                result.origin,
                f"was extracted from a different text of {article.id!r} than the gold answer (sha256 differs)",
                hint="extract the same article file the gold answer was made from",
            )
        if paired.origin in predicted:
            raise InputError(
                result.origin,
                f"is a second prediction for {article.id!r} (the first is {predicted[paired.origin].origin})",
                hint="pass one prediction per article",
            )
        predicted[paired.origin] = result

    scores = []
    for gold in golds:
        prediction = predicted.get(gold.origin)
        text = texts.get(gold.doc.article.sha256 or (prediction.doc.article.sha256 if prediction else ""))
        pred = prediction.doc if prediction else GoldExtraction(article=gold.doc.article)
        score = score_article(gold.doc, pred, text.text if text else None)
        if prediction is None:
            score.notes.append(f"no prediction for {gold.doc.article.id}: every gold item counts as missed")
        if text is None:
            score.notes.append("article text not found (pass --articles): spans not verified")
        scores.append(score)
    overall = Score("overall")
    for score in scores:
        overall.add(score)
    return Report(scores, overall)


# --- the terminal table -----------------------------------------------------------------------

MAX_COLUMNS = 6  # beyond this many articles the table shows only the overall column


def _rows(score: Score) -> list[tuple[str, str]]:
    def num(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    rows = []
    for name in ("incidents", "actors", "attributions"):
        c: Counts = getattr(score, name)
        rows.append((f"{name} P / R / F1", f"{num(c.precision)} / {num(c.recall)} / {num(c.f1)}"))
        rows.append((f"{name} tp fp fn", f"{c.tp} {c.fp} {c.fn}"))
    for name, acc in score.fields.items():
        rows.append((f"{name} accuracy", f"{num(acc.value)} ({acc.correct}/{acc.total})"))
    g = score.grounding.as_dict()
    verified = "–" if g["verified"] is None else f"{num(g['verified_share'])} ({g['verified']}/{g['spans']})"
    rows.append(("spans verified", verified))
    rows.append(("spans aligned exactly", f"{num(g['exact_share'])} ({g['exact']}/{g['spans']})"))
    rows.append(("quotes dropped", str(g["dropped"])))
    return rows


def report_table(report: Report):
    """A rich Table: one row per figure, one column per article (up to MAX_COLUMNS) and overall."""
    from rich.table import Table

    shown = report.articles if len(report.articles) <= MAX_COLUMNS else []
    table = Table(title=f"extractor eval: {len(report.articles)} article(s)", show_lines=False)
    table.add_column("figure")
    for score in [*shown, report.overall]:
        table.add_column(score.article, justify="right")
    columns = [_rows(s) for s in [*shown, report.overall]]
    for i, (label, _) in enumerate(columns[-1]):
        table.add_row(label, *(col[i][1] for col in columns))
    return table
