"""Events found by code: the sentences that report acts of political violence, and which of them
tell the same event. Pure logic over a parse (`extractor.articles.parse`).

A small model shown numbered sentences and asked for incidents walks down the numbers, one
incident per run of sentences, and misses the events told later. Here code proposes, from the
words and their grammar, and the model only judges what it is shown (`extractor.flow.judge`):

1. **Mentions** (`mentions`). A word of the trigger lexicon (`TRIGGERS`, written from ACLED's
   codebook: the acts each event type names), matched on lemmas, is a mention of an act; a
   modifier is none of its own but names its head's act ("a car bomb attack" is an explosion).
   For each: who acted and on whom (subject, object, passive agent), its places (proper names
   after "in", "at", "near"...), its time words (those in its own clause, not those that date a
   statement: "X said on Monday"; a year naming it: "a 2019 attack"), and flags: negated ("no
   attack"), unreal (a modal, a purpose, a present tense outside a headline, a habit: "in the
   past", "since 2009"; a threat or an attempt keeps its stage), anaphoric ("the strike", a
   pronoun subject), apart ("linked to airstrikes", "hours after drones targeted": another event
   than its sentence's) and aside (in a clause describing someone: "a lawyer, who was shot").
2. **Events** (`events_of`). Mentions are read in order, a headline's after its lead's. A mention
   joins an event its family can name (`_compatible`) whose date and country do not differ from
   its own (an undated event of the article's opening is of the week up to publication): first
   one its sentence already tells (unless it is apart, and that one is more than what an act did
   to people: "killed ... following an attack" is one event), else, for an anaphoric mention, the
   latest told (an event told aside is no antecedent), else, for one without a date of its own,
   the latest told within `NEAR` sentences. A mention whose sentence tells an event with another
   actor ("we attacked X to respond to the attacks by the army") starts its own. Otherwise it starts an event, unless it is weak (a
   "hit" with no agent) or only refers ("the incident"). A negated or unreal mention starts nothing.
   A strategic development's act (`_QUIET`: a defection, a base set up, an agreement, ground
   handed over, weapons found) is quiet: its mentions make events only where the others make none.
3. **What code gives each event**: its sentences (the evidence), its time words, places, stage
   (`Event.stage`), whether it is background (`background`: a frame of earlier time), and who
   acted and on whom.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extractor.articles.sentences import Sentence
from extractor.normalise.timex import Found, find_expressions

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Acts, by lemma, and the family each names. A family groups the acts one event may be told
# with ("the strike" names an air strike; "the attack" names any act, so it is "any").
_FAMILIES: dict[str, str] = {
    # explosions and remote violence
    "airstrike": "air",
    "strike": "strike",
    "bomb": "explosion",
    "bombing": "explosion",
    "bombard": "shelling",
    "bombardment": "shelling",
    "shell": "shelling",
    "shelling": "shelling",
    "mortar": "shelling",
    "rocket": "shelling",
    "missile": "shelling",
    "artillery": "shelling",
    "explode": "explosion",
    "explosion": "explosion",
    "blast": "explosion",
    "detonate": "explosion",
    "detonation": "explosion",
    "ied": "explosion",
    "landmine": "explosion",
    "grenade": "explosion",
    # battles
    "clash": "clash",
    "fight": "clash",
    "fighting": "clash",
    "battle": "clash",
    "firefight": "clash",
    "gunfight": "clash",
    "skirmish": "clash",
    "ambush": "attack",
    "overrun": "territory",
    "recapture": "territory",
    "retake": "territory",
    "regain": "territory",
    "liberate": "territory",
    # violence against civilians and attacks in general
    "attack": "any",
    "assault": "any",
    "raid": "attack",
    "harass": "attack",
    "offensive": "attack",
    "kill": "killing",
    "killing": "killing",
    "murder": "killing",
    "assassinate": "killing",
    "assassination": "killing",
    "execute": "killing",
    "execution": "killing",
    "behead": "killing",
    "massacre": "killing",
    "slaughter": "killing",
    "shoot": "killing",
    "machinegun": "killing",
    "machine-gun": "killing",
    "strafe": "air",
    "dynamite": "explosion",
    "sabotage": "explosion",
    "slay": "killing",
    "hijack": "abduction",
    "shooting": "killing",
    "gunfire": "killing",
    "stab": "killing",
    "stabbing": "killing",
    "lynch": "killing",
    "wound": "killing",
    "injure": "killing",
    "torture": "killing",
    "abduct": "abduction",
    "abduction": "abduction",
    "kidnap": "abduction",
    "kidnapping": "abduction",
    "rape": "sexual",
    # crowds
    "protest": "protest",
    "demonstrate": "protest",
    "demonstration": "protest",
    "rally": "protest",
    "march": "protest",
    "riot": "riot",
    "loot": "riot",
    "looting": "riot",
    "torch": "riot",
    "vandalize": "riot",
    "vandalise": "riot",
    # strategic developments
    "arrest": "arrest",
    "detain": "arrest",
    "intercept": "disrupted",
    "defuse": "disrupted",
    "seize": "territory",
    "capture": "territory",
    "ceasefire": "agreement",
    "truce": "agreement",
    # people named by the act they take part in: "peaceful protesters returned to the streets"
    "protester": "protest",
    "demonstrator": "protest",
    "rioter": "riot",
    "bomber": "explosion",
}
_PEOPLE = frozenset({"protester", "demonstrator", "rioter", "bomber"})
# Acts of the codebook's strategic developments that are the news only where nothing violent is
# told: a defection, a new base, an agreement, ground handed over, weapons found. In an article
# about an attack they are its context or aftermath ("troops set up checkpoints after the
# attack"), so they start events only in an article whose other words start none (`Mention.quiet`).
# Each needs its object or an armed actor in its sentence (`_quiet_family`).
_QUIET: dict[str, str] = {
    "defect": "change",
    "defection": "change",
    "surrender": "change",
    "disband": "change",
    "agree": "agreement",
    "agreement": "agreement",
    "accord": "agreement",
    "treaty": "agreement",
    "set": "base",
    "establish": "base",
    "build": "base",
    "erect": "base",
    "hand": "transfer",
    "withdraw": "transfer",
    "cede": "transfer",
    "find": "disrupted",
    "discover": "disrupted",
    "recover": "disrupted",
    "confiscate": "disrupted",
    "unearth": "disrupted",
    "confront": "clash",
}
TRIGGERS = frozenset(_FAMILIES)
# Words that are acts only with a weapon or an armed actor beside them ("the drones hit a
# convoy", "Drones targeted a factory"): they join an event already told, or start one only when
# their sentence holds another sign of violence.
_WEAK = {"hit": "any", "target": "any", "fire": "any", "die": "killing", "destroy": "any", "burn": "riot"}
# Nouns that only refer to an event told elsewhere: "the incident", "the violence".
_REFERRING = {"incident": "any", "violence": "any", "operation": "any", "crime": "any", "tragedy": "any"}
_UNREAL = {
    "threaten": "threatened",
    "vow": "threatened",
    "warn": "threatened",
    "plan": "threatened",
    "pledge": "threatened",
    "promise": "threatened",
    "prepare": "threatened",
    "intend": "threatened",
    "try": "attempted",
    "attempt": "attempted",
    "seek": "attempted",
    "fail": "attempted",
    "fear": "non-event",
    "predict": "non-event",
    "anticipate": "non-event",
}
_FORESEEING = frozenset("warn alert caution fear predict expect anticipate".split())
_MAYBE = frozenset("imminent possible potential planned future looming feared expected likely".split())
_FOILED_WORDS = {"foiled", "thwarted", "failed", "attempted", "botched", "abortive", "attempt"}
_MODALS = {"will", "would", "could", "might", "may", "should", "can", "must", "shall"}
_DEFINITE = {"the", "this", "that", "these", "those"}
_BACKGROUND = re.compile(
    r"\b(?:at the time|last (?:month|year)|earlier this (?:month|year)|in the past|previously|"
    r"years? ago|months? ago|since \d{4}|in \d{4}|began on)\b",
    re.I,
)
_PLACES = {"GPE", "LOC", "FAC"}
# What an act does to people: "three soldiers were killed following an attack" tells one event.
_CONSEQUENCES = frozenset("kill wound injure die".split())
NEAR = 3  # sentences: a mention further from its family's latest event starts a new one
LEAD = 3  # sentences: the article's opening, where an undated event is the news


@dataclass
class Mention:
    sentence: Sentence
    start: int  # the trigger word's offsets in the article
    end: int
    lemma: str
    family: str
    noun: bool
    weak: bool = False
    negated: bool = False
    unreal: str | None = None  # "threatened" | "attempted" | "non-event" (a modal, a purpose)
    anaphoric: bool = False
    times: list[Found] = field(default_factory=list)  # own time words (offsets in the sentence)
    places: list[str] = field(default_factory=list)  # own place words
    agent: str | None = None  # who acted, as written
    patient: str | None = None  # on whom or what
    apart: bool = False  # told as another event than its sentence's: "linked to airstrikes", "hours after"
    quiet: bool = False  # a strategic development's act: an event only where the article tells no other
    aside: bool = False  # told in a clause describing someone ("the lawyer, who was assassinated earlier today")
    sentence_places: list[str] = field(default_factory=list)  # places the name finder read in its sentence
    names: list[str] = field(default_factory=list)  # proper names told with it: "the Nampala attack"


@dataclass
class Event:
    number: int  # 1, 2, ... in order of first mention
    mentions: list[Mention] = field(default_factory=list)

    @property
    def sentences(self) -> list[Sentence]:
        seen: dict[int, Sentence] = {}
        for m in self.mentions:
            seen.setdefault(m.sentence.number, m.sentence)
        return [seen[n] for n in sorted(seen)]

    @property
    def families(self) -> set[str]:
        return {m.family for m in self.mentions}

    @property
    def times(self) -> list[tuple[Mention, Found]]:
        return [(m, t) for m in self.mentions for t in m.times]

    @property
    def places(self) -> list[str]:
        return [p for m in self.mentions for p in m.places]

    @property
    def stage(self) -> str:
        first = self.mentions[0]
        return first.unreal if first.unreal in ("threatened", "attempted") else "accomplished"


def _sentence_of(sentences: Sequence[Sentence], offset: int) -> Sentence | None:
    for s in sentences:
        if s.start <= offset < s.end:
            return s
    return None


def _phrase(token: Token) -> str:
    """The noun phrase `token` heads, without a leading relative clause or apposition."""
    words = [t for t in token.subtree if t.dep_ not in ("relcl", "appos", "acl", "punct") or t.i == token.i]
    left = min(t.i for t in words)
    right = max(t.i for t in token.subtree if t.dep_ not in ("relcl", "appos", "acl") and t.i <= token.i + 6)
    doc = token.doc
    span = doc[left : max(right, token.i) + 1]
    return span.text.strip(" ,.")


def _family(token: Token) -> tuple[str, bool] | None:
    """(family, weak) when `token` names an act, else None."""
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "NOUN", "PROPN", "ADJ") and not (token.pos_ == "AUX" and lemma == "fight"):
        return None
    if token.ent_type_ in ("DATE", "TIME") or (lemma == "march" and token.text[:1].isupper()):
        return None  # "21 March 2020": a month, not a march
    if token.pos_ in ("NOUN", "PROPN") and token.dep_ in ("compound", "amod", "npadvmod", "nmod"):
        return None  # "bomb-carrying drones", "car bomb attack": a modifier, no act of its own
    if token.pos_ == "NOUN" and token.dep_ in ("dobj", "nsubjpass") and token.head.lemma_.lower() in _STOPPING:
        return None  # "a bomb has been found", "defused a landmine": a weapon stopped, not an explosion
    if lemma == "fight" and token.pos_ == "NOUN":
        return None  # "the country's fight against an affiliate": a struggle, not a clash
    if lemma == "fire" and token.head.lemma_.lower() == "open":
        return "killing", False  # "opened fire"
    if lemma in ("execute", "carry") and any(
        c.dep_ == "dobj" and c.lemma_.lower() in _FAMILIES for c in token.children
    ):
        return None  # "executed the suicide bombing": the object names the act, the verb only does it
    if lemma == "storm" and token.pos_ == "VERB":
        return "attack", False  # "gunmen stormed a concert hall" (a storm, the noun, is weather)
    if lemma == "blow" and token.pos_ == "VERB" and _particle(token) == "up":
        return "explosion", False  # "a car bomb blew up", "blew themselves up"
    if lemma in ("throw", "hurl", "pelt") and token.pos_ == "VERB" and _object_matches(token, _THROWN):
        return "riot", False  # "protesters hurled rocks at security forces"
    if lemma == "disperse" and token.pos_ == "VERB" and _object_matches(token, _CROWD_WORDS):
        return "protest", False  # "police dispersed the protesters": what was done to a protest
    if lemma == "set" and any(c.lower_ in ("ablaze", "alight") for c in token.children):
        return "riot", True  # "banks set ablaze": as "burn", an act only with someone acting or beside violence
    if lemma in ("capture", "seize") and token.pos_ == "VERB" and _weapon_object(token):
        return "disrupted", False  # "two firearms were seized": weapons taken before use, no ground
    if lemma in _FAMILIES:
        family = _FAMILIES[lemma]
        if family in _GENERAL:  # "a car bomb attack", "the rocket attack": its modifier names the act
            named = [_FAMILIES.get(c.lemma_.lower()) for c in token.children if c.dep_ in ("compound", "amod", "nmod")]
            family = next((f for f in named if f and f not in _GENERAL), family)
        if lemma == "strike" and any(c.lemma_.lower() in ("air", "drone") for c in token.children):
            family = "air"
        if lemma in ("fire", "shoot") and token.pos_ == "VERB":
            family = "killing"
        if lemma == "strike" and token.pos_ == "NOUN" and _protest_strike(token):
            family = "protest"
        if lemma in ("march", "rally") and token.pos_ == "VERB" and not _crowd(token):
            return None
        if lemma in ("capture", "seize") and not _taken_ground(token):
            return None  # "photos captured piles of rubble": no territory taken
        if lemma in ("defuse", "intercept") and not _weapon_object(token):
            return None  # "to defuse mounting tensions": no weapon stopped
        return family, False
    if lemma in _WEAK and token.pos_ == "VERB":
        return _WEAK[lemma], True
    if token.text.lower() in ("air strike", "airstrikes", "air-strike"):
        return "air", False
    return None


_STOPPING = frozenset(
    "find discover seize capture defuse intercept recover confiscate dismantle unearth detect neutralize neutralise".split()
)


def _quiet_family(token: Token) -> str | None:
    """The family of a strategic development's act (`_QUIET`) when its words say it is one: "set
    up", "established" or "built" a base or a post; ground "handed over" or withdrawn from;
    weapons found; an agreement of armed men or their government; a defection or a surrender of
    armed men; armed men or crowds who "confronted" others."""
    lemma = token.lemma_.lower()
    family = _QUIET.get(lemma)
    if family is None or token.pos_ not in ("VERB", "NOUN"):
        return None
    if family == "disrupted":
        return family if _weapon_object(token) else None
    particle = _particle(token)
    # someone who can use force in its sentence: armed men, crowds, or a named group or people
    armed = bool(_FORCE_WORDS.search(token.sent.text)) or any(e.label_ in ("NORP", "ORG") for e in token.sent.ents)
    if family == "base":
        if (lemma == "set") != (particle == "up") or not _object_matches(token, _BASES):
            return None
        return family if armed else None
    if family == "transfer":
        if lemma == "hand" and particle != "over":
            return None
        return family if armed and _GROUND_GIVEN.search(" ".join(t.text for t in token.subtree)) else None
    if family == "clash" and _object_matches(token, _POLICE):
        family = "riot"  # "youths confronted police": a crowd's violence
    return family if armed else None


_FORCE_WORDS = re.compile(
    r"\b(?:militants?|rebels?|insurgents?|guerrillas?|fighters|militia\w*|forces|troops|soldiers|army|armed|military|"
    r"police|security|jihadis\w*|terroris\w*|gunmen|youths|protesters|demonstrators)\b",
    re.I,
)
_BASES = re.compile(
    r"\b(?:bases?|headquarters|camps?|outposts?|checkpoints?|posts?|observation points?|barracks)\b", re.I
)
_GROUND_GIVEN = re.compile(r"\b(?:territory|town|city|village|district|area|region|control|positions?|base)\b", re.I)
_POLICE = re.compile(r"\b(?:police|policemen|riot police|security forces|officers)\b", re.I)
_THROWN = re.compile(
    r"\b(?:stones?|rocks?|bottles?|fireworks?|firecrackers?|molotov\w*|petrol bombs?|firebombs?|bricks?|projectiles?)\b",
    re.I,
)
_CROWD_WORDS = re.compile(r"\b(?:protest\w*|demonstrat\w*|crowds?|rall(?:y|ies)|marchers|gathering|sit-in)\b", re.I)


def _particle(token: Token) -> str | None:
    """A phrasal verb's particle: "up" of "blew up", "over" of "handed over"."""
    return next((c.lower_ for c in token.children if c.dep_ == "prt"), None)


def _object_matches(token: Token, words: re.Pattern[str]) -> bool:
    """Whether the object of `token` (or, in the passive, its subject) holds one of `words`."""
    objects = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass")]
    return any(words.search(" ".join(t.text for t in o.subtree)) for o in objects)


def _protest_strike(token: Token) -> bool:
    """A strike that is a walk-out: "general strike", "went on strike", "hunger strike"."""
    near = {c.lemma_.lower() for c in token.children} | {token.head.lemma_.lower()}
    return bool(near & {"general", "hunger", "go", "workers", "labor", "labour", "national"})


_GROUND = re.compile(
    r"\b(?:town|city|village|district|base|territory|area|region|camp|post|outpost|airport|province|control|"
    r"positions?|checkpoints?|hill|bridge|road|highway|port|weapons|arms|ammunition|explosives|rockets|drones)\b",
    re.I,
)


def _taken_ground(token: Token) -> bool:
    """Whether a seizure or a capture takes ground, a position or weapons (the object names one)."""
    objects = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass")]
    return any(
        _GROUND.search(" ".join(t.text for t in o.subtree)) or o.ent_type_ in ("GPE", "LOC", "FAC") for o in objects
    )


_WEAPON_WORDS = re.compile(
    r"\b(?:bombs?|devices?|explosives?|IEDs?|mines?|landmines?|missiles?|rockets?|drones?|projectiles?|shells?|weapons?|"
    r"arms|firearms?|guns?|rifles?|ammunitions?|grenades?)\b",
    re.I,
)


def _weapon_object(token: Token) -> bool:
    return _object_matches(token, _WEAPON_WORDS)


def _crowd(token: Token) -> bool:
    return any(
        c.dep_ in ("nsubj",)
        and c.lemma_.lower()
        in ("protester", "demonstrator", "people", "crowd", "supporter", "student", "worker", "thousand")
        for c in token.children
    )


def mentions(doc: Doc, sentences: Sequence[Sentence]) -> list[Mention]:
    """Every mention of an act in the article, in order; offsets index the article text."""
    found: list[Mention] = []
    for token in doc:
        kind = _family(token)
        quiet_family = _quiet_family(token) if kind is None else None
        if quiet_family is not None:
            kind = (quiet_family, False)
        if kind is None:
            continue
        family, weak = kind
        sentence = _sentence_of(sentences, token.idx)
        if sentence is None:
            continue
        noun = token.pos_ in ("NOUN", "PROPN")
        mention = Mention(sentence, token.idx, token.idx + len(token.text), token.lemma_.lower(), family, noun, weak)
        mention.quiet = quiet_family is not None
        _read_grammar(mention, token)
        found.append(mention)
    for token in doc:  # "the incident": refers to an event, names none
        lemma = token.lemma_.lower()
        if lemma in _REFERRING and token.pos_ == "NOUN" and _determiner(token) in _DEFINITE:
            sentence = _sentence_of(sentences, token.idx)
            if sentence is not None:
                m = Mention(sentence, token.idx, token.idx + len(token.text), lemma, _REFERRING[lemma], True, True)
                m.anaphoric = True
                found.append(m)
    return sorted(found, key=lambda m: m.start)


def _determiner(token: Token) -> str | None:
    for child in token.children:
        if child.dep_ == "det":
            return child.lower_
        if child.dep_ == "poss":
            return "the"  # "Sunday's attack", "its offensive"
    return None


def _told_as_done(token: Token) -> bool:
    """Whether plural acts (or people) are told as done, not in general: the subject of a verb in
    the past tense ("border clashes entered their 7th day", "protesters returned to the streets"),
    or what a named actor did in the article's opening ("Azerbaijani forces launched missiles")."""
    if token.lemma_.lower() in _PEOPLE and token.dep_ in ("nsubj", "nsubjpass"):
        return True
    head = token.head
    if head.tag_ != "VBD" or any(c.dep_ == "aux" for c in head.children):
        return False
    if token.dep_ in ("nsubj", "nsubjpass"):
        return True
    opening = token.sent.start == 0 or token.sent.root.i == token.doc[0].sent.root.i
    return (
        token.dep_ == "dobj"
        and opening
        and any(c.dep_ == "nsubj" and c.pos_ in ("PROPN", "NOUN") for c in head.children)
    )


def _read_grammar(mention: Mention, token: Token) -> None:
    children = list(token.children)
    mention.negated = any(c.dep_ == "neg" for c in children) or any(
        c.dep_ == "det" and c.lower_ == "no" for c in children
    )
    if any(c.lower_ in _FOILED_WORDS for c in children) or (
        token.head.lemma_.lower() in ("foil", "thwart", "prevent", "repel", "repulse") and token.dep_ == "dobj"
    ):
        mention.unreal = "attempted"  # "a foiled attack", "troops repelled an attack"
    if HABITUAL.search(mention.sentence.shown):
        mention.unreal = "non-event"  # "have in the past acknowledged striking hundreds of targets"
    elif not mention.noun:
        if any(c.dep_ == "aux" and c.lower_ in _MODALS for c in children):
            mention.unreal = "non-event"
        if token.tag_ in ("VBP", "VBZ") and len(token.sent) > 10:
            mention.unreal = "non-event"  # present tense outside a headline: what is so, not what happened
        head = token.head
        if token.dep_ == "xcomp" and head.lemma_.lower() in _UNREAL:
            mention.unreal = _UNREAL[head.lemma_.lower()]
        elif token.dep_ in ("xcomp", "advcl", "acl") and any(c.dep_ == "aux" and c.lower_ == "to" for c in children):
            mention.unreal = "non-event"  # "made it possible to strike", "in order to attack"
        if any(c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "PRON" and c.lower_ in ("they", "it") for c in children):
            mention.anaphoric = True
    else:
        det = _determiner(token)
        mention.anaphoric = det in _DEFINITE
        if token.head.lemma_.lower() in _UNREAL and token.dep_ in ("dobj", "pobj"):
            mention.unreal = _UNREAL[token.head.lemma_.lower()]
        elif token.dep_ == "pobj" and token.head.head.lemma_.lower() in _FORESEEING:
            mention.unreal = "non-event"  # "US officials had warned Russia about an attack": foreseen, not done
        if any(c.dep_ == "amod" and c.lower_ in _MAYBE for c in children):
            mention.unreal = "non-event"  # "an imminent attack", "possible strikes"
    own = [t for t in token.subtree if not (not mention.noun and t.dep_ == "ccomp")]
    sentence = mention.sentence
    doc = token.doc
    home = _clause(token)
    mention.times = [
        t
        for t in find_expressions(doc.text[sentence.start : sentence.end])
        if (at := _token_at(doc, sentence.start + t.start)) is not None
        and _clause(at).i == home.i
        and not _frames_speech(doc, sentence.start + t.start)
    ]
    for child in children:  # "a 2019 car bomb attack": a year naming the act
        if mention.noun and re.fullmatch(r"(?:19|20)\d\d", child.text) and child.i < token.i:
            at = child.idx - sentence.start
            mention.times.append(Found(at, at + 4, "year", child.text))
    inside = mention.times
    mention.apart = _apart(token)
    mention.aside = token.dep_ in ("relcl", "acl") or token.head.dep_ in ("relcl", "acl") and token.dep_ != "ROOT"
    mention.sentence_places = [e.text for e in token.sent.ents if e.label_ in _PLACES]
    plural = token.tag_ in ("NNS", "NNPS") and _determiner(token) is None
    if (
        mention.noun
        and plural
        and not inside
        and not any(c.dep_ == "nummod" for c in children)
        and not _told_as_done(token)
    ):
        mention.unreal = mention.unreal or "non-event"  # "staged attacks in Iran": acts in general
    places = [_proper_name(t) for t in own if t.dep_ == "pobj" and t.head.lower_ in _LOCATIVE and t.i != token.i]
    mention.places = [p for p in dict.fromkeys(places) if p]
    mention.names = _names(token)
    mention.agent, mention.patient = _arguments(token)


def _names(token: Token) -> list[str]:
    """The proper names an act is told with: its modifiers ("the Nampala attack"), its object
    ("attacked Nampala") and its prepositions' objects ("the attack on Nampala"); not dates,
    nationalities or peoples."""
    heads = [c for c in token.children if c.dep_ in ("compound", "nmod", "poss", "dobj", "npadvmod")]
    heads += [g for c in token.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    words = heads + [g for h in heads for g in h.children if g.dep_ == "compound"]
    return [
        w.text
        for w in sorted(words, key=lambda w: w.i)
        if w.pos_ == "PROPN" and w.ent_type_ not in ("DATE", "TIME", "NORP") and len(w.text) > 2
    ]


HABITUAL = re.compile(
    r"\b(?:in the past|over the years|for years|for decades|repeatedly|routinely|regularly|frequently|"
    r"often|in the (?:civil )?war|during the (?:\w+ )?war|(?:\d+|\w+)-year (?:civil )?war|since (?:19|20)\d\d)\b",
    re.I,
)
_LOCATIVE = {"in", "at", "near", "outside", "inside", "across", "around", "into", "within"}
_SPEECH_LEMMAS = frozenset(
    """say tell report announce state suggest claim confirm deny add blame accuse tweet write declare
    comment decline""".split()
)


def _proper_name(token: Token) -> str | None:
    """The proper name a place phrase holds: "Syria" of "eastern Syria", "Isfahan" of "the
    central city of Isfahan", "Deir el-Zour" of "Syria's eastern province of Deir el-Zour"."""
    for ent in token.doc.ents:  # a place the name finder read whole: "Port-au-Prince"
        if ent.start <= token.i < ent.end and ent.label_ in _PLACES:
            return ent.text.strip(" ,.’'")
    if token.pos_ != "PROPN":
        named = [c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"]
        objects = [g for c in named for g in c.children if g.dep_ == "pobj" and g.pos_ == "PROPN"]
        if not objects:
            objects = [c for c in token.children if c.dep_ in ("compound", "poss") and c.pos_ == "PROPN"]
        if not objects:
            return None
        token = objects[0]
    if token.ent_type_ in ("DATE", "TIME"):
        return None  # "a November massacre": when, not where
    words = [c for c in token.children if c.dep_ == "compound" and c.pos_ == "PROPN" and c.i < token.i]
    first = min([token.i, *(w.i for w in words)])
    return token.doc[first : token.i + 1].text.strip(" ,.’'")


_SEQUENCE = {"after", "before", "following", "since", "preceding"}
_LINKED = {"link", "relate", "connect", "response", "prior", "retaliation", "revenge", "reprisal", "reply"}


def _apart(token: Token) -> bool:
    """Whether an act is told as another event than the one its sentence reports: the object of
    "after", "following", "linked to", "in retaliation for" ("The attack was linked to airstrikes
    the US had carried out"; "came hours after drones targeted a factory")."""
    head = token.head
    if token.dep_ in ("pobj", "pcomp"):
        if head.lower_ in _SEQUENCE:
            return True
        if head.lower_ in ("to", "for") and head.head.lemma_.lower() in _LINKED:
            return True
    if token.dep_ in ("advcl", "pcomp") and any(c.dep_ == "mark" and c.lower_ in _SEQUENCE for c in token.children):
        return True
    if token.dep_ == "pcomp" and head.lower_ in _SEQUENCE:
        return True
    return False


_CLAUSAL = {"ccomp", "xcomp", "advcl", "acl", "relcl", "csubj", "parataxis", "pcomp"}


def _clause(token: Token) -> Token:
    """The root of the clause `token` is in: times in another clause date another act ("the
    explosions that killed ... a general who was killed by a drone in 2020")."""
    while token.dep_ not in _CLAUSAL and token.head.i != token.i:
        token = token.head
    return token


def _token_at(doc: Doc, offset: int) -> Token | None:
    for token in doc:
        if token.idx <= offset < token.idx + len(token.text):
            return token
        if token.idx > offset:
            return token
    return None


def _frames_speech(doc: Doc, offset: int) -> bool:
    """Whether the words at `offset` date a verb of speech or open the sentence as a frame."""
    token = next((t for t in doc if t.idx <= offset < t.idx + len(t.text)), None)
    if token is None:
        return False
    head = token
    for _ in range(4):  # up to the verb the words belong to
        head = head.head
        if head.pos_ in ("VERB", "AUX") or _family(head) is not None or head.head.i == head.i:
            break
    if head.lemma_.lower() in _SPEECH_LEMMAS:
        return True
    # a time opening the sentence frames what the sentence's main verb tells: a statement's
    # ("Last month, X said that ..."), not the act it reports; an act's own ("On 21 March, 1 was killed")
    first = token.sent.start
    opening = token.i - first <= 2 and any(t.text == "," for t in doc[token.i : token.i + 4])
    return opening and token.sent.root.lemma_.lower() in _SPEECH_LEMMAS


def _arguments(token: Token) -> tuple[str | None, str | None]:
    """(who acted, on whom) as the grammar says, as written."""
    agent = patient = None
    for child in token.children:
        if child.dep_ == "nsubj" and token.pos_ == "VERB":
            agent = _phrase(child)
        elif child.dep_ == "nsubjpass":
            patient = _phrase(child)
        elif child.dep_ == "dobj":
            patient = _phrase(child)
        elif child.dep_ == "agent":
            objects = [g for g in child.children if g.dep_ == "pobj"]
            agent = _phrase(objects[0]) if objects else None
        elif child.dep_ == "prep" and child.lower_ in ("on", "against") and token.pos_ == "NOUN":
            objects = [g for g in child.children if g.dep_ == "pobj"]
            patient = _phrase(objects[0]) if objects else patient
        elif child.dep_ == "prep" and child.lower_ == "by" and token.pos_ == "NOUN":
            objects = [g for g in child.children if g.dep_ == "pobj"]
            agent = _phrase(objects[0]) if objects else agent
    return agent, patient


_KIN = {
    "strike": {"air", "shelling", "explosion", "attack"},
    "air": {"strike", "explosion", "attack"},
    "explosion": {"strike", "air", "shelling", "attack"},
    "shelling": {"strike", "explosion", "attack", "air"},
    "attack": {"strike", "air", "explosion", "shelling", "clash", "abduction", "killing"},
    "clash": {"attack"},
    "riot": {"protest"},
    "protest": {"riot", "arrest"},
    "arrest": {"protest"},
}
_GENERAL = {"any", "killing"}  # words any violent act may be told with: "the attack", "killed"


_CROWD = {"protest", "arrest", "agreement"}


def _compatible(family: str, event: Event) -> bool:
    """Whether a mention of `family` can name `event`. A general word ("attack", "killed") names
    any act but a crowd's, an arrest or an agreement (those it may only hurt: "killed" may be
    said of protesters); an event told so far only in general words takes any act; otherwise the
    families must be kin (a strike may be the air strike or the shelling told before)."""
    named = event.families - _GENERAL
    if family == "any" and named and named <= _CROWD:
        return False
    if family in _GENERAL or not named:
        return True
    return bool(named & ({family} | _KIN.get(family, set())))


def events_of(found: Sequence[Mention], resolve=None, country=None, recent=None) -> list[Event]:
    """Mentions grouped into events (see the module's docstring); a strategic development's quiet
    mentions only where the others make no event. The arguments are `_grouped`'s."""
    told = _grouped([m for m in found if not m.quiet], resolve, country, recent)
    return told or _grouped([m for m in found if m.quiet], resolve, country, recent)


def _grouped(found: Sequence[Mention], resolve=None, country=None, recent=None) -> list[Event]:
    """Mentions grouped into events (see the module's docstring). `resolve(found_time)` gives a
    time expression's (first, last) day, None when it cannot be resolved; `country(place)` the
    country a place name is in (None when unknown): mentions dated or placed apart are apart.
    `recent` is the (first, last) day of the news (the week up to publication): an event told in
    the article's first sentences with no date of its own is of that week."""
    events: list[Event] = []
    last_seen: dict[int, int] = {}  # event number -> the sentence that last told it
    last_at: dict[int, int] = {}  # event number -> where its latest mention stands (the latest told, of one sentence)

    def when(m: Mention) -> set:
        out = set()
        for t in m.times:
            if t.kind == "relative" or resolve is None:
                continue
            value = resolve(t)
            if value is not None:
                out.add(value)
        return out

    def where(m: Mention) -> set:
        return {c for c in (country(p) for p in m.places) if c} if country else set()

    def overlap(a: set, b: set) -> bool:
        return any(x[0] <= y[1] and y[0] <= x[1] for x in a for y in b)

    def dates(e: Event) -> set:
        return set().union(*(when(x) for x in e.mentions))

    def conflicts(m: Mention, e: Event) -> bool:
        own, theirs = when(m), dates(e)
        if not theirs and recent is not None and e.mentions[0].sentence.number <= LEAD:
            theirs = {recent}
        if own and theirs and not overlap(own, theirs):  # dated apart
            return True
        here, there = where(m), set().union(*(where(x) for x in e.mentions))
        return bool(here and there and not here & there)

    for m in _headline_last(found):
        if m.negated or m.unreal == "non-event":
            continue
        relative = m.apart or any(t.kind == "relative" for t in m.times)  # "hours after": another event
        candidates = [e for e in events if _compatible(m.family, e) and not conflicts(m, e)]
        if relative:  # another event than its sentence's, unless that one is only what an act did
            candidates = [
                e
                for e in candidates
                if all(x.sentence.number != m.sentence.number for x in e.mentions)
                or all(x.lemma in _CONSEQUENCES for x in e.mentions if x.sentence.number == m.sentence.number)
            ]
        # an event told aside, in a clause about someone, is not what a later "the attack" names
        # of events last told in one sentence: "the blast" names the one told first there (the
        # article's topic), an act with no word of reference the one told last
        candidates.sort(
            key=lambda e: (
                e.mentions[0].aside and m.anaphoric,
                -last_seen[e.number],
                e.number if m.anaphoric else -last_at[e.number],
            )
        )
        same_sentence = [e for e in candidates if any(x.sentence.number == m.sentence.number for x in e.mentions)]
        other_actor = [e for e in same_sentence if _acted_by_another(m, e)]
        if other_actor:  # "we attacked X to respond to the attacks by the army": two acts, two actors
            candidates = same_sentence = []
        latest = candidates[0] if candidates and m.sentence.number - last_seen[candidates[0].number] <= NEAR else None
        own_time = bool(when(m))
        chosen: Event | None = None
        named = [e for e in candidates if _told_with(m, e)] if not relative else []
        if same_sentence:
            chosen = same_sentence[0]
        elif named:  # "the Nampala attack" is the attack told with Nampala, however far back
            chosen = named[0]
        elif m.anaphoric and candidates:
            chosen = candidates[0]
        elif latest is not None and not relative and (not own_time or overlap(when(m), dates(latest))):
            chosen = latest  # undated, or dated as the event told just before ("the November massacre")
        if chosen is None:
            if m.weak and not m.agent or m.lemma in _REFERRING:
                continue  # a weak word or a reference alone starts no event
            chosen = Event(len(events) + 1)
            events.append(chosen)
        chosen.mentions.append(m)
        last_seen[chosen.number] = m.sentence.number
        last_at[chosen.number] = m.start
    return events


def _told_with(m: Mention, e: Event) -> bool:
    """Whether a proper name `m` is told with appears in the sentences of `e`."""
    return any(re.search(rf"\b{re.escape(n)}\b", s.shown) for n in m.names for s in e.sentences)


def _acted_by_another(m: Mention, e: Event) -> bool:
    """Whether `m` names who acted and the mentions of `e` in its sentence name someone else: words
    of the one not among the other's ("Gunmen" and "the gunmen" are one actor; "we" and "the
    Malian army" are two)."""
    if not m.agent:
        return False
    own = _actor_words(m.agent)
    others = [_actor_words(x.agent) for x in e.mentions if x.sentence.number == m.sentence.number and x.agent]
    return bool(own and others) and all(not own & words for words in others if words)


def _actor_words(phrase: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", phrase.lower()) if w not in _ACTOR_FILLER}


_ACTOR_FILLER = {"the", "a", "an", "of", "and", "its", "their", "his", "her", "who", "which", "that", "some"}


def _headline_last(found: Sequence[Mention]) -> list[Mention]:
    """The mentions in order, those of a headline (a first unit with no final stop) after the
    next sentence's: a headline sums up the event its lead tells, in fewer words and no date."""
    first = found[0].sentence if found else None
    if first is None or first.number != min(m.sentence.number for m in found) or re.search(r"[.!?\"”]$", first.shown):
        return list(found)
    head = [m for m in found if m.sentence.number == first.number]
    rest = [m for m in found if m.sentence.number != first.number]
    lead = [m for m in rest if m.sentence.number == rest[0].sentence.number] if rest else []
    return lead + head + rest[len(lead) :]


def background(event: Event, first: Event | None) -> bool:
    """Whether `event` is told as background: a frame of earlier time in its own words ("at the
    time", "last month", "in the past", "years ago"), for any event but the article's first."""
    if first is None or event is first:
        return False
    return any(_BACKGROUND.search(t.words) for _, t in event.times) or bool(
        _BACKGROUND.search(event.mentions[0].sentence.shown)
    )
