"""Attributions found by cue and asked small: the attribution stage for small models. Pure logic.

A 0.5B model asked for actors and attributions in one large answer returned nothing usable
(attribution F1 0.00 on every set, README). Here code does what it can (`extractor.cues` finds
the sentences that say who is behind an incident and proposes a kind; hedges are words it finds),
and the model answers, per candidate sentence, two questions whose answers are enumerations of
options that exist:
  * who does the sentence say is behind the incident: one of the actors it names (listed actors,
    or names the code finds in the sentence), or "none";
  * who says so: one of the same, or "article" (the article's own voice).
The cue sentence is the evidence; the model writes none. Then code decides:
  * "none" as perpetrator drops the candidate (the sentence does not attribute), except for a
    statement of ignorance (kind unknown), which needs no question at all;
  * a perpetrator that is also the source, or whose name the source's name holds ("Israel's
    military chief of staff" for Israel), has claimed it;
  * a reported attribution whose sentence hedges becomes alleged; hedged is true when the
    sentence holds a hedge word;
  * a name the code found and the model chose becomes an actor (its kind guessed from its words,
    "other" when they say nothing), with the name in the sentence as evidence.
The pipeline asks (`questions`) and settles (`attributions_from`); this module never calls a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, create_model

from extractor.cues import Candidate, candidates
from extractor.ground import Grounder
from extractor.schema import Actor, Attribution, Incident, Span

MAX_QUESTIONS = 4  # per window: each is a call of a few seconds (target: 15 s per article in all)
_NAME = re.compile(r"(?:(?:al-|el-|the )?[A-Z][\w'’.-]*(?:\s+(?:of|for|al|el|de|the|and)\s+|\s+|-)?)+")
_NOT_NAMES = {"The", "It", "A", "An", "In", "On", "At", "But", "And", "He", "She", "They", "We", "This", "That", "There",
              "Some", "Another", "Last", "Both", "According", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
              "Friday", "Saturday", "January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"}
_KIND_WORDS = (("monitor", r"observatory|monitor|watch\b|human rights"), ("media", r"radio|tv\b|television|news|agency|fm\b|times\b|post\b"),
               ("state_forces", r"\barmy\b|military|forces|troops|police|guard"), ("political_militia", r"militia|hezbollah|brigade"),
               ("government", r"government|ministry|minister|president|official"), ("rebel_group", r"rebels?|front\b|liberation"))


@dataclass(frozen=True)
class Option:
    key: str  # what the model answers: "A1" for a listed actor, "N1" for a name the code found
    name: str
    actor_id: str | None  # the listed actor, or None for a found name


@dataclass(frozen=True)
class Question:
    candidate: Candidate
    options: tuple[Option, ...]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


@lru_cache(maxsize=128)
def answer_model(keys: tuple[str, ...]) -> type[BaseModel]:
    """{"perpetrator": one of keys or "none", "source": one of keys or "article"}: the options
    come first, so a model that takes the first option takes a name the sentence holds."""
    perpetrator = Literal.__getitem__((*keys, "none"))  # type: ignore[attr-defined]
    source = Literal.__getitem__((*keys, "article"))  # type: ignore[attr-defined]
    return create_model("AttributionAnswer", __base__=_Answer, perpetrator=(perpetrator, ...), source=(source, ...))


_GROUP_NOUNS = (r"coalition|forces|force|groups?|militias?|militiamen|army|troops|soldiers|police|government|rebels?|fighters|"
                r"guerrillas?|terrorists?|commandos?|front|movement|organi[sz]ation|cartel|brigades?|units?|officials?|authorities")
_FOLLOWED = re.compile(r"\s*((?:pro-|anti-)?[\w.-]*\s*)?\b(" + _GROUP_NOUNS + r")\b", re.I)
_UPPER_NAME = re.compile(r"\b(?:[A-Z][A-Z.'-]+ ){0,3}(?:" + _GROUP_NOUNS.upper() + r")\b")
_COMMON_UPPER = {"THE", "AND", "FOR", "WAS", "HAS", "HAD", "THAT", "THIS", "WITH", "FROM", "WERE", "ARE", "NOT", "BUT", "TODAY",
                 "SAID", "ALSO", "WHO", "HIS", "HER", "THEY", "THEIR", "OVER", "INTO", "AFTER", "BEEN", "HAVE", "WILL", "TEXT",
                 "OF", "BY", "IN", "TO", "A", "AN", "ON", "AT", "AS", "IS", "BY", "SEVERAL", "SOME", "TWO", "THREE", "OTHER",
                 "ATTACKED", "KILLED", "REPORTED", "ACCUSED", "BLAMED", "CLAIMED", "DENIED", "AGAINST", "WHEN", "WHERE", "ITS"}


def names_in(text: str) -> list[str]:
    """Names of possible actors in a sentence, as written: capitalised names with the group noun
    that follows them ("the U.S.-led coalition", "pro-Iranian groups"), sentence-initial function
    words and calendar words left out; in an upper-case wire text, where every word is
    capitalised, only phrases ending in a group noun ("NATIONAL POLICE", "FMLN GUERRILLAS"; a
    bare "FMLN" or "SHINING PATH" is missed)."""
    if text.isupper():  # every word is capitalised: only phrases ending in a group noun can be told apart
        found = []
        for match in _UPPER_NAME.finditer(text):
            words = match.group(0).split()
            while len(words) > 1 and any(w in _COMMON_UPPER for w in words[:-1]):
                words = words[1:]  # keep the words after the last function word: "SEARCH OF THE FMLN GUERRILLAS" -> "FMLN GUERRILLAS"
            found.append(" ".join(words))
        return list(dict.fromkeys(found))
    found: list[str] = []
    for match in _NAME.finditer(text):
        start, end = match.start(), match.end()
        words = text[start:end].strip(" -.,'’").split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        while words and words[-1].lower() in ("of", "for", "al", "el", "de", "the", "and"):
            words = words[:-1]
        if not words:
            continue
        name = " ".join(words)
        first = text.find(name, start)
        lead = first - 4 if text[max(0, first - 4):first].lower() == "pro-" else first - 5 if text[max(0, first - 5):first].lower() == "anti-" else first
        tail = _FOLLOWED.match(text, first + len(name))
        end = tail.end() if tail and (tail.group(1) or "").strip().lower() in ("", "-led", "-backed", "-based") else first + len(name)
        name = text[lead:end].strip()
        if len(name) >= 3 and name not in found:
            found.append(name)
    return found


def _mentions(actor: Actor) -> list[str]:
    return [actor.name, *actor.mentions]


def _names(text: str, names: Sequence[str]) -> bool:
    folded = text.casefold()
    return any(len(n) >= 2 and n.casefold() in folded for n in names)


def questions(incidents: Sequence[Incident], actors: Sequence[Actor], grounder: Grounder) -> tuple[list[Question], list[Candidate]]:
    """The questions to ask (at most MAX_QUESTIONS, strongest cues first) and the candidates that
    need none (statements of ignorance)."""
    sentences = list(grounder.sentences.values())
    covered = [(i.id, [s.number for s in sentences if any(e.start < s.end and s.start < e.end for e in i.evidence)])
               for i in incidents]
    found = candidates(covered, sentences)
    cued = {(c.incident_id, c.sentence.number) for c in found}
    for incident_id, numbers in covered:  # the event's own sentence may name who did it ("the US carried out airstrikes")
        if numbers and (incident_id, numbers[0]) not in cued:
            sentence = grounder.sentences[numbers[0]]
            found.append(Candidate(incident_id, sentence, "reported", "", ()))
    unknown = [c for c in found if c.kind == "unknown"]
    asked: list[Question] = []
    order = {"claimed": 0, "denied": 1, "alleged": 2, "reported": 3}
    for candidate in sorted((c for c in found if c.kind != "unknown"), key=lambda c: (order[c.kind], c.sentence.number)):
        text = candidate.sentence.shown
        options = [Option(a.id, a.name, a.id) for a in actors if _names(text, _mentions(a))]
        known = [n for a in actors for n in _mentions(a)]
        options += [Option(f"N{k}", name, None) for k, name in
                    enumerate((n for n in names_in(text) if not _names(" ".join(known), [n])), start=1)]
        if options and len(asked) < MAX_QUESTIONS:
            asked.append(Question(candidate, tuple(options[:8])))
    return asked, unknown


def question_text(question: Question, incident: Incident) -> str:
    """The task of one small call (it follows the article's shared prefix)."""
    c = question.candidate
    listed = "\n".join(f'- {o.key}: {o.name}' for o in question.options)
    return (f"Task: one question about incident {incident.id} ({incident.summary}).\n"
            f'Sentence [{c.sentence.number}]: "{c.sentence.shown}"\n'
            f"Names in that sentence:\n{listed}\n"
            f'Answer with JSON: "perpetrator": the name this sentence says carried out {incident.id}, or "none" if it does not say; '
            f'"source": the name of who says so in this sentence, or "article" when the article says it in its own voice.')


def _guess_kind(name: str) -> str:
    for kind, words in _KIND_WORDS:
        if re.search(words, name, re.I):
            return kind
    return "other"


def attributions_from(answers: Sequence[tuple[Question, BaseModel | None]], unknown: Sequence[Candidate], actors: list[Actor],
                      grounder: Grounder) -> tuple[list[Attribution], list[Actor], list[str]]:
    """Attributions (ids T1.. in order) from the answers and the statements of ignorance; the
    actors list with the names the model chose added; notes for the warnings."""
    actors = [a.model_copy(deep=True) for a in actors]
    notes: list[str] = []
    found: list[Attribution] = []

    def actor_for(option: Option, sentence_span: Span) -> str:
        if option.actor_id:
            return option.actor_id
        twin = next((a for a in actors if option.name.casefold() in (n.casefold() for n in _mentions(a))), None)
        if twin:
            return twin.id
        hit = grounder.find_within(option.name, sentence_span.start, sentence_span.end)
        evidence = [Span(quote=grounder.raw[hit.start:hit.end], start=hit.start, end=hit.end, alignment="exact")] if hit else []
        new = Actor(id=f"A{len(actors) + 1}", name=option.name, kind=_guess_kind(option.name), evidence=evidence)  # type: ignore[arg-type]
        while any(a.id == new.id for a in actors):
            new = new.model_copy(update={"id": f"A{int(new.id[1:]) + 1}"})
        actors.append(new)
        notes.append(f'actor {new.id} "{option.name}" added: an attribution names it (its kind guessed as {new.kind})')
        return new.id

    def sentence_span(candidate: Candidate) -> Span:
        s = candidate.sentence
        return Span(quote=grounder.raw[s.start:s.end], start=s.start, end=s.end, alignment="exact")

    def add(candidate: Candidate, perpetrator: str | None, source: str | None, kind: str) -> None:
        span = sentence_span(candidate)
        key = (candidate.incident_id, perpetrator, source, kind)
        twin = next((t for t in found if (t.incident_id, t.perpetrator_id, t.source_id, t.kind) == key), None)
        if twin is not None:
            if span not in twin.evidence:
                twin.evidence.append(span)
            return
        found.append(Attribution(id=f"T{len(found) + 1}", incident_id=candidate.incident_id, perpetrator_id=perpetrator,  # type: ignore[arg-type]
                                 source_id=source, kind=kind, hedged=bool(candidate.hedges), evidence=[span]))

    for candidate in unknown:
        add(candidate, None, None, "unknown")
    for question, answer in answers:
        c = question.candidate
        if answer is None:
            notes.append(f"attribution question on sentence {c.sentence.number} ({c.incident_id}): no usable answer; skipped")
            continue
        if answer.perpetrator == "none":  # type: ignore[attr-defined]
            continue
        by_key = {o.key: o for o in question.options}
        span = sentence_span(c)
        perpetrator = actor_for(by_key[answer.perpetrator], span)  # type: ignore[attr-defined]
        source = None if answer.source == "article" else actor_for(by_key[answer.source], span)  # type: ignore[attr-defined]
        kind = c.kind
        source_names = [n for a in actors if a.id == source for n in _mentions(a)]
        perpetrator_names = [n for a in actors if a.id == perpetrator for n in _mentions(a)]
        if source is not None and (source == perpetrator or _names(" ".join(source_names), perpetrator_names)):
            kind = "denied" if kind == "denied" else "claimed"
        elif kind == "reported" and c.hedges:
            kind = "alleged"
        if source == perpetrator and kind not in ("claimed", "denied"):
            source = None
        add(c, perpetrator, source, kind)
    return found, actors, notes
