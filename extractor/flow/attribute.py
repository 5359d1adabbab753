"""Attributions found by cue and asked small: the attribution stage for small models. Pure logic.

A 0.5B model asked for actors and attributions in one large answer returned nothing usable
(attribution F1 0.00 on every set, README). Here code does what it can (`extractor.flow.cues` finds
the sentences that say who is behind an incident and proposes a kind; hedges are words it finds),
and the model answers, per candidate sentence, two questions whose answers are enumerations of
options that exist:
  * who does the sentence say is behind the incident: one of the actors it names (listed actors,
    or names the code finds in the sentence, `extractor.flow.names`), or "none";
  * who says so: one of the same, or "article" (the article's own voice); where the model says
    "article" or names the perpetrator again, and the cue's grammar names a speaker ("X said",
    "according to X"), the speaker.
The cue sentence is the evidence; the model writes none. Then code decides:
  * "none" as perpetrator drops the candidate (the sentence does not attribute), except for a
    statement of ignorance (kind unknown), which needs no question at all;
  * a perpetrator whose name the source's name holds ("Israel's military chief of staff" for
    Israel), or that is the source in a sentence with a claim's words, has claimed it (a source
    naming itself without them is no source: "Police said five died");
  * a reported attribution whose sentence hedges becomes alleged; hedged is true when the
    sentence holds a hedge word;
  * a name the code found and the model chose becomes an actor (its kind guessed from its words,
    "other" when they say nothing), with the name in the sentence as evidence.
The pipeline asks (`questions`) and settles (`attributions_from`); this module never calls a model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, create_model

from extractor.flow.cues import SPEECH, Candidate, candidates, hedges_in
from extractor.flow.ground import Grounder
from extractor.flow.names import nameless, names_in
from extractor.schema import Actor, Attribution, Incident, Span

MAX_QUESTIONS = 3  # per window: each is a call of about 5 s with the 1.5B model (target: 15 s per article in all)
_KIND_WORDS = (
    ("monitor", r"observatory|monitor|watch\b|human rights"),
    ("media", r"radio|tv\b|television|news|agency|fm\b|times\b|post\b"),
    ("state_forces", r"\barmy\b|military|forces|troops|police|guard"),
    ("political_militia", r"militia|hezbollah|brigade"),
    ("government", r"government|ministry|minister|president|official"),
    ("rebel_group", r"rebels?|front\b|liberation|guerrillas?"),
)


@dataclass(frozen=True)
class Option:
    name: str  # as the sentence (or the actor list) writes it: what the model is shown and answers
    actor_id: str | None  # the listed actor, or None for a found name
    actor_name: str = ""  # a found name's actor name ("FMLN" for "FMLN GUERRILLAS"; `extractor.flow.names`)


@dataclass(frozen=True)
class Question:
    candidate: Candidate
    options: tuple[Option, ...]
    incident_sentences: tuple[int, ...] = ()  # the sentences the incident's evidence covers

    @property
    def perpetrators(self) -> tuple[Option, ...]:
        """The options that may be the perpetrator: all but the one the grammar makes the speaker
        of a report ("THE POLICE HAVE REPORTED THAT ALLEGED TERRORISTS KILLED ..."); a speaker may
        be its own perpetrator only in a claim or a denial; nor the one told ("TOLD POLICE THAT").
        Measured: offered the speaker alone, the 1.5B model named it as the perpetrator."""
        if self.candidate.kind in ("claimed", "denied"):
            return self.options
        said_by = speaker(self)
        text = self.candidate.sentence.shown
        heard = {o.name for o in self.options if (at := text.find(o.name)) > 0 and _HEARER.search(text[:at])}
        return tuple(o for o in self.options if o.name != said_by and o.name not in heard)

    def answer_model(self) -> type[BaseModel]:
        return answer_model(tuple(o.name for o in self.options), tuple(o.name for o in self.perpetrators))


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


@lru_cache(maxsize=128)
def answer_model(keys: tuple[str, ...], perpetrators: tuple[str, ...] | None = None) -> type[BaseModel]:
    """{"perpetrator": one of perpetrators (default: keys) or "none", "source": one of keys or
    "article"}. The keys are the names as the sentence writes them: a small model copies a name it
    has just read far more surely than it maps a name to an opaque id (measured: with ids
    "N1".."N5" the 1.5B model answered "none" to every question on the example articles' gold
    incidents)."""
    perpetrator = Literal.__getitem__((*(keys if perpetrators is None else perpetrators), "none"))  # type: ignore[attr-defined]
    source = Literal.__getitem__((*keys, "article"))  # type: ignore[attr-defined]
    return create_model("AttributionAnswer", __base__=_Answer, perpetrator=(perpetrator, ...), source=(source, ...))


def _mentions(actor: Actor) -> list[str]:
    return [actor.name, *actor.mentions]


def _names(text: str, names: Sequence[str]) -> bool:
    folded = text.casefold()
    return any(len(n) >= 2 and n.casefold() in folded for n in names)


def questions(
    incidents: Sequence[Incident],
    actors: Sequence[Actor],
    grounder: Grounder,
    is_place: Callable[[str], bool] | None = None,
) -> tuple[list[Question], list[Candidate]]:
    """The questions to ask and the candidates that need none (statements of ignorance). At most
    MAX_QUESTIONS, each incident's strongest cue before any incident's second (so the cap never
    spends every call on one incident), claims before denials, blame and reports. A sentence that
    names no possible perpetrator (places left out by `is_place`, the speaker of a report left out)
    is not asked about."""
    sentences = list(grounder.sentences.values())
    covered = [(i.id, [s.number for s in grounder.covering(i.evidence)]) for i in incidents]
    found = candidates(covered, sentences)
    cued = {(c.incident_id, c.sentence.number) for c in found}
    for (
        incident_id,
        numbers,
    ) in covered:  # the event's own sentence may name who did it ("the US carried out airstrikes")
        if numbers and (incident_id, numbers[0]) not in cued:
            sentence = grounder.sentences[numbers[0]]
            found.append(Candidate(incident_id, sentence, "reported", "", hedges_in(sentence.shown)))
    unknown = [c for c in found if c.kind == "unknown"]
    order = {"claimed": 0, "denied": 1, "alleged": 2, "reported": 3}
    ranked = sorted((c for c in found if c.kind != "unknown"), key=lambda c: (order[c.kind], c.sentence.number))
    turn: Counter[str] = Counter()
    turns = []
    for candidate in ranked:
        turns.append((turn[candidate.incident_id], candidate))
        turn[candidate.incident_id] += 1
    known = " ".join(n for a in actors for n in _mentions(a))
    sentences_of = dict(covered)
    asked: list[Question] = []
    for _, candidate in sorted(turns, key=lambda t: t[0]):
        if len(asked) == MAX_QUESTIONS:
            break
        text = candidate.sentence.shown
        options = {a.name: Option(a.name, a.id) for a in actors if _names(text, _mentions(a))}
        for n in names_in(text, is_place=is_place):
            if not _names(known, [n.shown, n.name]) and all(
                o.actor_name != n.name for o in options.values()
            ):  # "US", "the US"
                options.setdefault(n.shown, Option(n.shown, None, n.name))
        claimant = _claimant(candidate)
        if claimant and not any(
            claimant.casefold() in o.name.casefold() or o.name.casefold() in claimant.casefold()
            for o in options.values()
        ):
            options[claimant] = Option(claimant, None, claimant)
        ordered = _likeliest_first(list(options.values()), candidate)
        question = Question(candidate, tuple(ordered[:8]), tuple(sentences_of[candidate.incident_id]))
        if question.perpetrators:
            asked.append(question)
    return asked, unknown


def _likeliest_first(options: list[Option], candidate: Candidate) -> list[Option]:
    """The options, likeliest perpetrator first, since a small model that is unsure takes the first
    option it is offered: for a claim or a denial the names before the cue, nearest first ("the
    FMLN claimed"); for the other cues the names after it, in order ("blamed the FMLN", "killed
    by", "presumably members of")."""
    text = candidate.sentence.shown
    cue_at = text.find(candidate.cue) if candidate.cue else -1
    if cue_at < 0:
        return options
    where = {
        o.name: (text.find(o.name, cue_at) if o.name in text[cue_at:] else max(text.find(o.name), 0)) for o in options
    }
    before = sorted((o for o in options if where[o.name] < cue_at), key=lambda o: -where[o.name])
    after = sorted((o for o in options if where[o.name] >= cue_at), key=lambda o: where[o.name])
    return before + after if candidate.kind in ("claimed", "denied") else after + before


_NOT_A_CLAIMANT = frozenset(
    "the a an and or but that which who it they he she we also later then has have had was were is are "
    "in on at of for to by from with".split()
)


def _claimant(candidate: Candidate) -> str | None:
    """The words just before a claim's or a denial's verb ("THE FMLN-FDR CLAIMED RESPONSIBILITY":
    FMLN-FDR), back to the first function word: who claims is the grammar's subject, a name the
    name finders may miss (an acronym the registry does not know, in an upper-case text)."""
    if candidate.kind not in ("claimed", "denied") or not candidate.cue:
        return None
    text = candidate.sentence.shown
    before = text[: max(text.find(candidate.cue), 0)].split(",")[-1].split()
    while before and before[-1].casefold() in _NOT_A_CLAIMANT:
        before.pop()  # "Hamas has denied"
    words: list[str] = []
    for word in reversed(before[-4:]):
        if word.casefold() in _NOT_A_CLAIMANT:
            break
        words.insert(0, word)
    name = " ".join(words).strip(" ,.")
    return name if len(name) >= 2 and name[:1].isupper() and not nameless(name) else None


_HEARER = re.compile(r"\b(?:told|informed|asked|warned)\s+(?:the\s+)?$", re.I)


# What may stand between a speaker and its verb: an appositive (", an opposition war monitor,")
# and auxiliaries, adverbs or time words ("has", "strongly", "later", "on Sunday").
_BETWEEN_SPEAKER_AND_VERB = re.compile(
    r"^\s*(?:,\s*(?:an?|the|its|which|who)\b[^,]{0,120},)?[\s,]*"
    r"(?:(?:has|have|had|also|later|then|on \w+day|in a statement|\w+ly|,)\s*)*$",
    re.I,
)


def speaker(question: Question) -> str | None:
    """The option the sentence's grammar makes the one who says it, or None: the name just before
    a verb of speech ("the Observatory said", "X has claimed"; `extractor.flow.cues.SPEECH`), or just
    after "according to". Code reads this structure surely; the model is asked only where it is
    silent (measured: the 1.5B model answered "article" for "The Observatory said ..." sentences)."""
    text = question.candidate.sentence.shown
    for verb in SPEECH.finditer(text):
        for option in question.options:
            for m in re.finditer(re.escape(option.name), text):
                if verb.group(0).lower().startswith("according") and text[verb.end() : m.start()].strip(" ,") == "":
                    return option.name
                if m.end() <= verb.start() and _BETWEEN_SPEAKER_AND_VERB.match(text[m.end() : verb.start()]):
                    return option.name
    return None


def question_text(question: Question, incident: Incident) -> str:
    """The task of one small call (it follows the article's shared prefix): short, since every
    token of it is read afresh for each question."""
    c = question.candidate
    where = f"sentence{'s' if len(question.incident_sentences) > 1 else ''} {', '.join(map(str, question.incident_sentences))}"
    listed = "; ".join(f'"{o.name}"' for o in question.options)
    return (
        f"Task: who is said to be behind incident {incident.id} ({where})?\n"
        f'Sentence [{c.sentence.number}]: "{c.sentence.shown}"\n'
        f"Names in it: {listed}.\n"
        f'Answer with JSON: "perpetrator": the name this sentence gives as the one who carried out the incident, or "none"; '
        f'"source": the name that says so, or "article" if nobody in the sentence says it.'
    )


def _guess_kind(name: str) -> str:
    for kind, words in _KIND_WORDS:
        if re.search(words, name, re.I):
            return kind
    return "other"


def attributions_from(
    answers: Sequence[tuple[Question, BaseModel | None]],
    unknown: Sequence[Candidate],
    actors: list[Actor],
    grounder: Grounder,
) -> tuple[list[Attribution], list[Actor], list[str]]:
    """Attributions (ids T1.. in order) from the answers and the statements of ignorance; the
    actors list with the names the model chose added; notes for the warnings."""
    actors = [a.model_copy(deep=True) for a in actors]
    notes: list[str] = []
    found: list[Attribution] = []

    def actor_for(option: Option, sentence_span: Span) -> str:
        if option.actor_id:
            return option.actor_id
        forms = {option.name.casefold(), option.actor_name.casefold()} - {""}
        twin = next((a for a in actors if forms & {n.casefold() for n in _mentions(a)}), None)
        if twin:
            return twin.id
        hit = grounder.find_within(option.name, sentence_span.start, sentence_span.end)
        evidence = (
            [Span(quote=grounder.raw[hit.start : hit.end], start=hit.start, end=hit.end, alignment="exact")]
            if hit
            else []
        )
        name = option.actor_name or option.name
        new = Actor(
            id=f"A{len(actors) + 1}",
            name=name,
            mentions=[option.name] if option.name != name else [],  # type: ignore[arg-type]
            kind=_guess_kind(option.name),
            evidence=evidence,
        )
        while any(a.id == new.id for a in actors):
            new = new.model_copy(update={"id": f"A{int(new.id[1:]) + 1}"})
        actors.append(new)
        notes.append(f'actor {new.id} "{option.name}" added: an attribution names it (its kind guessed as {new.kind})')
        return new.id

    def sentence_span(candidate: Candidate) -> Span:
        s = candidate.sentence
        return Span(quote=grounder.raw[s.start : s.end], start=s.start, end=s.end, alignment="exact")

    def add(candidate: Candidate, perpetrator: str | None, source: str | None, kind: str) -> None:
        span = sentence_span(candidate)
        key = (candidate.incident_id, perpetrator, source, kind)
        twin = next((t for t in found if (t.incident_id, t.perpetrator_id, t.source_id, t.kind) == key), None)
        if twin is not None:
            if span not in twin.evidence:
                twin.evidence.append(span)
            return
        found.append(
            Attribution(
                id=f"T{len(found) + 1}",
                incident_id=candidate.incident_id,
                perpetrator_id=perpetrator,  # type: ignore[arg-type]
                source_id=source,
                kind=kind,
                hedged=bool(candidate.hedges),
                evidence=[span],
            )
        )

    for candidate in unknown:
        add(candidate, None, None, "unknown")
    for question, answer in answers:
        c = question.candidate
        if answer is None:
            notes.append(
                f"attribution question on sentence {c.sentence.number} ({c.incident_id}): no usable answer; skipped"
            )
            continue
        if answer.perpetrator == "none":  # type: ignore[attr-defined]
            continue
        by_name = {o.name: o for o in question.options}
        span = sentence_span(c)
        perpetrator = actor_for(by_name[answer.perpetrator], span)  # type: ignore[attr-defined]
        said_by = answer.source if answer.source not in ("article", answer.perpetrator) else speaker(question)  # type: ignore[attr-defined]
        source = None if said_by is None else actor_for(by_name[said_by], span)
        kind = c.kind
        source_names = [n for a in actors if a.id == source for n in _mentions(a)]
        perpetrator_names = [n for a in actors if a.id == perpetrator for n in _mentions(a)]
        if source is not None and source == perpetrator and kind not in ("claimed", "denied"):
            source = None  # "Police said five died": naming yourself takes a claim's words, or it is no claim
        elif source is not None and (source == perpetrator or _names(" ".join(source_names), perpetrator_names)):
            kind = "denied" if kind == "denied" else "claimed"
        if kind == "reported" and c.hedges:
            kind = "alleged"
        add(c, perpetrator, source, kind)
    return found, actors, notes
