"""Attributions for a small model: the statements code reads in the sentences' structure
(`extractor.flow.frames`), tied to the incidents code found, checked, and each confirmed by one
small question. Pure logic: the pipeline asks the questions.

1. **Which incident** (`link`): the incident one of whose mentions the statement names ("blamed
   the group for the bombing"), else the one incident whose sentences hold the statement's, else
   the article's only incident, else the nearest incident told before it (within `NEAR`
   sentences). A statement tied to none is left out with a note.
2. **Never a wrong accusation** (`checked`): a perpetrator is never a date, a town or a province
   (the frames never name them), the media, the incident's own target or victim, nor a
   nameless description in the article's own voice; a statement that nobody knows who did it
   and a perpetrator stated as fact are not kept together for one incident (the fact goes, with a
   note). Repeated statements are one.
3. **One question per accusation** (`questions`): who does this sentence say carried out (claims,
   denies) this incident, over the names the sentence holds, the frame's own first, and "nobody".
   The statement is kept only when the model names the same actor; its confidence is the
   probability of that answer where the server gives log-probabilities. A statement of ignorance
   needs no question.
4. **Records** (`attributions_from`): one attribution per (incident, perpetrator, source, kind), its
   sentence as evidence; one actor per name, with the words where the sentence names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

from extractor.flow.frames import Statement
from extractor.flow.ground import Grounder
from extractor.flow.phrases import MEDIA, Name, described
from extractor.schema import Actor, Attribution, ExtractionWarning, Incident, Span, warning
from extractor.taxonomy import WarningCode

NEAR = 3  # sentences after an incident's last that may still speak of it
MAX_QUESTIONS = 12  # per window: about 2 s each with the embedded 1.5B model
NOBODY = "nobody"
_KIND_WORDS = (
    ("monitor", r"observatory|monitor|watch\b|human rights|ocha|united nations|\bu\.?n\.?\b"),
    ("media", r"radio|tv\b|television|news|agency|fm\b|times\b|post\b|reuters|press"),
    ("state_forces", r"\barmy\b|military|forces|troops|police|guard|soldiers?|officers?|defen[cs]e forces"),
    ("political_militia", r"militias?|hezbollah|brigade"),
    ("government", r"government|ministry|minister|president|official|authorities|spokes\w+ for the"),
    ("rebel_group", r"rebels?|front\b|liberation|guerrillas?|islamic state|taliban|shabaab|jihad|militants?"),
)


@dataclass(frozen=True)
class Linked:
    statement: Statement
    incident_id: str


def link(
    found: Sequence[Statement],
    incidents: Sequence[Incident],
    sentences_of: dict[str, set[int]],
    mentions_of: dict[str, list[tuple[int, int]]],
) -> tuple[list[Linked], list[ExtractionWarning]]:
    """Each statement with the incident it speaks of (see the module's docstring)."""
    linked: list[Linked] = []
    notes: list[ExtractionWarning] = []
    ids = [i.id for i in incidents]
    for statement in found:
        number = statement.sentence.number
        named = [i for i in ids if any(a <= at < b for at in statement.about for a, b in mentions_of.get(i, []))]
        holding = [i for i in ids if number in sentences_of.get(i, set())]
        before = sorted(
            (
                (number - max(n for n in sentences_of.get(i, {0}) if n <= number), i)
                for i in ids
                if any(n <= number for n in sentences_of.get(i, set()))
            ),
        )
        if named:
            chosen = named[0]
        elif statement.on_act:
            continue  # an act the tool did not keep as an incident (a threat, a general statement)
        elif len(holding) == 1:
            chosen = holding[0]
        elif len(ids) == 1:
            chosen = ids[0]
        elif before and before[0][0] <= NEAR and (len(before) == 1 or before[0][0] < before[1][0]):
            chosen = before[0][1]
        else:
            notes.append(
                warning(
                    WarningCode.STATEMENT_UNLINKED,
                    f"a {statement.kind} statement in sentence {number} names no incident the tool found; left out",
                )
            )
            continue
        linked.append(Linked(statement, chosen))
    return linked, notes


def _plain(option: str) -> str:
    """An option as the answer's schema may hold it: no quotation marks or backslashes (a grammar
    built from an enumeration holding them broke llama.cpp: a segmentation fault)."""
    return re.sub(r"[\"“”\\]", "", option).strip() or "?"


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def _among(folded: str, targets: Sequence[str]) -> bool:
    """Whether a folded name is one of the folded targets, or the head of one or headed by one
    ("afghan military patrol" and "an afghan military patrol"; "soldiers" and "afghan soldiers")."""
    return bool(folded) and any(
        t and (folded == t or t.endswith(" " + folded) or folded.endswith(" " + t)) for t in targets
    )


def _is_target(name: Name, targets: Sequence[str]) -> bool:
    folded = fold(name.name)
    return bool(folded) and any(folded == fold(t) or fold(t).endswith(" " + folded) for t in targets)


def checked(
    linked: Sequence[Linked], targets_of: dict[str, list[str]], places_of: dict[str, set[str]] | None = None
) -> tuple[list[Linked], list[ExtractionWarning]]:
    """The statements that may stand (see the module's docstring), and notes on the others.
    `places_of` gives each incident's place and country names, folded: where, never who."""
    places_of = places_of or {}
    kept: list[Linked] = []
    notes: list[ExtractionWarning] = []
    seen: set[tuple] = set()
    linked = [_unknowing(_cleared(item, linked)) for item in linked]
    for item in linked:
        s = item.statement
        p = s.perpetrator
        where = f"sentence {s.sentence.number} ({item.incident_id})"
        if p is not None and MEDIA.search(p.name) and p.label != "PERSON":
            notes.append(
                warning(
                    WarningCode.STATEMENT_BY_MEDIA,
                    f'{where}: "{p.name}" reports, it is not taken for the perpetrator',
                    item.incident_id,
                )
            )
            continue
        if p is not None and _is_target(p, targets_of.get(item.incident_id, [])):
            notes.append(
                warning(
                    WarningCode.STATEMENT_NAMES_TARGET,
                    f'{where}: "{p.name}" is what the incident hit, not who did it; left out',
                    item.incident_id,
                )
            )
            continue
        if p is not None and described(p) and (s.kind in ("reported", "claimed", "denied") or s.plain and not s.hedged):
            # a description acts only where a frame accuses it ("Armed men carried out the
            # massacre", "Suspected gang members shot"), never in a claim, a denial or a plain report
            notes.append(
                warning(
                    WarningCode.STATEMENT_NAMES_DESCRIPTION,
                    f'{where}: "{p.name}" describes, it does not name, who did it; left out',
                    item.incident_id,
                )
            )
            continue
        if p is not None and fold(p.name) in places_of.get(item.incident_id, set()):
            notes.append(
                warning(
                    WarningCode.STATEMENT_NAMES_PLACE,
                    f'{where}: "{p.name}" is where the incident happened, not who did it; left out',
                    item.incident_id,
                )
            )
            continue
        if (
            s.source is not None
            and p is not None
            and s.kind not in ("claimed", "denied")
            and fold(s.source.name) == fold(p.name)
        ):
            continue  # "police said five died": naming yourself takes a claim's words
        key = (item.incident_id, fold(p.name) if p else None, fold(s.source.name) if s.source else None, s.kind)
        if key in seen:
            continue
        seen.add(key)
        kept.append(item)
    unknown = {k.incident_id for k in kept if k.statement.kind == "unknown"}
    out = []
    for item in kept:
        if item.incident_id in unknown and item.statement.kind == "reported":
            notes.append(
                warning(
                    WarningCode.STATEMENT_AGAINST_IGNORANCE,
                    f"sentence {item.statement.sentence.number} ({item.incident_id}): the article says nobody knows "
                    "who did it, so a perpetrator stated as fact is left out",
                    item.incident_id,
                )
            )
            continue
        out.append(item)
    return out, notes


_MANY = re.compile(r"^(?:many|several|various|numerous|a number of|other|any)\b", re.I)


def _unknowing(item: Linked) -> Linked:
    """ "Many other threat groups could be behind the bombings": nobody is named, so nobody knows."""
    s = item.statement
    if s.kind == "alleged" and s.hedged and s.perpetrator is not None and _MANY.match(s.perpetrator.shown):
        return Linked(replace(s, kind="unknown", perpetrator=None, hedged=False), item.incident_id)
    return item


def _cleared(item: Linked, kept: Sequence[Linked]) -> Linked:
    """A denial of "the accusations" by one of the accused ("An army officer denied the
    accusations" after the army was accused) clears the accused group; the denier stays its source."""
    s = item.statement
    if not (s.kind == "denied" and s.of_accusation and s.perpetrator is not None):
        return item
    words = set(fold(s.perpetrator.name).split())
    for other in kept:
        o = other.statement
        if other.incident_id == item.incident_id and o.kind == "alleged" and o.perpetrator is not None:
            if words & set(fold(o.perpetrator.name).split()) - {"the", "of", "and"}:
                return Linked(replace(s, perpetrator=o.perpetrator), item.incident_id)
    return item


@dataclass(frozen=True)
class Question:
    linked: Linked
    options: tuple[str, ...]  # the frame's perpetrator first, other names of the sentence, then "nobody"

    def answer_model(self) -> type[BaseModel]:
        return answer_model(self.options)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


@lru_cache(maxsize=256)
def answer_model(options: tuple[str, ...]) -> type[BaseModel]:
    """{"answer": one of `options`}: the names as the sentence writes them (a small model copies
    a name it has just read more surely than it maps one to an id)."""
    allowed: Any = Literal.__getitem__(options)
    return create_model("AttributionAnswer", __base__=_Answer, answer=(allowed, ...))


def questions(
    kept: Sequence[Linked],
    names_in_sentence: Callable[[Statement], list[str]],
    targets_of: dict[str, list[str]] | None = None,
) -> list[Question]:
    """One question for each statement that names a perpetrator, up to MAX_QUESTIONS. The
    options are the frame's perpetrator, then other names of the sentence that are not its
    speaker nor the incident's target (`targets_of`: a perpetrator is never the target, and a
    small model offered it named it), then "nobody"."""
    asked = []
    for item in kept:
        p = item.statement.perpetrator
        if p is None or item.statement.kind in ("claimed", "denied"):
            continue  # who claims or denies is the grammar's subject: code reads it surely
        said_by = item.statement.source
        speaker = (
            fold(said_by.name) if said_by is not None and item.statement.kind not in ("claimed", "denied") else None
        )
        # the speaker of a report is not offered: a small model offered the speaker names it
        targets = [fold(t) for t in (targets_of or {}).get(item.incident_id, [])]
        others = [
            n
            for n in names_in_sentence(item.statement)
            if fold(n) not in (fold(p.name), speaker) and not _among(fold(n), targets)
        ]
        options = tuple(dict.fromkeys(_plain(o) for o in [p.name, *others[:3], NOBODY]))
        asked.append(Question(item, options))
        if len(asked) == MAX_QUESTIONS:
            break
    return asked


def question_text(question: Question, incident: Incident) -> str:
    """The task of one small call (it follows the article's shared prefix): short, since every
    token of it is read afresh for each question. A sentence may hold two accusations: the
    question names whose it asks about."""
    s = question.linked.statement
    listed = "; ".join(f'"{o}"' for o in question.options)
    who = f"does {s.source.name} say" if s.source is not None else "does this sentence say"
    return (
        f'Sentence [{s.sentence.number}]: "{s.sentence.shown}"\n'
        f"Task: according to this sentence, who {who} carried out incident {incident.id} "
        f"({incident.summary[:90]})? "
        f'Answer with JSON: "answer": one of {listed}.'
    )


def _speaks_for(source: Name, perpetrator: Name) -> bool:
    """Whether a source speaks for the perpetrator: its words hold the perpetrator's name as an
    owner ("Israel's military chief of staff" for Israel, "Taliban spokesman" for the Taliban)."""
    said = " ".join((source.shown, *source.mentions))
    name = re.escape(perpetrator.name)
    return bool(re.search(rf"\b{name}(?:['’]s?\s|\s+(?:spokes\w+|official|commander|leader|chief)\b)", said, re.I))


def same_person(a: str, b: str) -> bool:
    """Whether two names name one person in an article: a surname alone and the full name of two
    or three capitalised words it ends ("Kenyatta" and "Uhuru Kenyatta"; the parser may read either
    as an organisation), not a body's last word ("Police" of "Manipur Police")."""
    shorter, longer = sorted((a.split(), b.split()), key=len)
    return (
        len(shorter) == 1
        and 2 <= len(longer) <= 3
        and all(w[:1].isupper() and not w.isupper() for w in longer)
        and fold(longer[-1]) == fold(shorter[0])
        and fold(shorter[0]) not in _BODIES
    )


_BODIES = frozenset(
    """police army military forces force government ministry state front group council party movement brigade
    militia guard guards authority authorities agency service office court committee league union alliance
    association organisation organization network command battalion regiment division corps""".split()
)


def guess_kind(name: Name) -> str:
    words = f"{name.name} {' '.join(name.mentions)} {name.shown}"
    for kind, pattern in _KIND_WORDS:
        if re.search(pattern, words, re.I):
            return kind
    return "government" if name.label == "GPE" else "other"


def attributions_from(
    decided: Sequence[tuple[Linked, float | None]],
    grounder: Grounder,
) -> tuple[list[Attribution], list[Actor], list[ExtractionWarning]]:
    """Attributions (ids T1.. in order) and the actors they name (A1..), from the statements kept
    with their confidence (None: not asked, or no log-probabilities)."""
    actors: list[Actor] = []
    notes: list[ExtractionWarning] = []
    found: list[Attribution] = []

    def actor_for(name: Name, sentence: Span) -> str:
        folded = fold(name.name)
        twin = next((a for a in actors if folded in {fold(x) for x in [a.name, *a.mentions]}), None)
        if twin is None and name.label not in ("GPE", "NORP"):
            twin = next((a for a in actors if same_person(a.name, name.name)), None)
            if twin is not None and len(folded.split()) > len(fold(twin.name).split()):
                twin.mentions.append(twin.name)  # the full name told after the surname becomes the name
                twin.name = name.name
        hit = (
            grounder.find_within(name.shown, sentence.start, sentence.end)
            or grounder.find_within(name.name, sentence.start, sentence.end)
            or grounder.find_within(name.name, 0, len(grounder.text))  # "he said": named earlier
        )
        span = (
            Span(quote=grounder.raw[hit.start : hit.end], start=hit.start, end=hit.end, alignment="exact")
            if hit
            else None
        )
        if twin is not None:
            if span is not None and span not in twin.evidence:
                twin.evidence.append(span)
            for form in (name.shown, *name.mentions):
                if fold(form) not in {fold(x) for x in [twin.name, *twin.mentions]}:
                    twin.mentions.append(form)
            return twin.id
        mentions = [f for f in dict.fromkeys((name.shown, *name.mentions)) if fold(f) != folded]
        actor = Actor(
            id=f"A{len(actors) + 1}",
            name=name.name,
            mentions=mentions,
            kind=guess_kind(name),  # type: ignore[arg-type]  # one of ActorKind; pydantic checks it
            evidence=[span] if span is not None else [],
        )
        actors.append(actor)
        return actor.id

    for item, confidence in decided:
        s = item.statement
        sentence = Span(
            quote=grounder.raw[s.sentence.start : s.sentence.end],
            start=s.sentence.start,
            end=s.sentence.end,
            alignment="exact",
        )
        perpetrator = actor_for(s.perpetrator, sentence) if s.perpetrator is not None else None
        source = actor_for(s.source, sentence) if s.source is not None else None
        kind = s.kind
        if kind == "reported" and s.hedged:
            kind = "alleged"
        if (
            kind == "alleged"
            and s.source is not None
            and s.perpetrator is not None
            and _speaks_for(s.source, s.perpetrator)
        ):
            kind = "claimed"  # "Israel's military chief of staff suggested that Israel was behind it"
        key = (item.incident_id, perpetrator, source, kind)
        twin = next((t for t in found if (t.incident_id, t.perpetrator_id, t.source_id, t.kind) == key), None)
        if twin is not None:
            if sentence not in twin.evidence:
                twin.evidence.append(sentence)
            continue
        found.append(
            Attribution(
                id=f"T{len(found) + 1}",
                incident_id=item.incident_id,
                perpetrator_id=perpetrator,
                source_id=source,
                kind=kind,  # type: ignore[arg-type]  # one of AttributionKind; pydantic checks it
                hedged=s.hedged,
                confidence=None if confidence is None else round(confidence, 3),
                evidence=[sentence],
            )
        )
    return found, actors, notes
