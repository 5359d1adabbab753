"""Who said who did it: attribution statements read from the structure of sentences. Pure logic
over a parse (`extractor.articles.parse`).

An article where governments, armed groups and monitors disagree holds several statements of
the form "source S says perpetrator P did it": a claim, each accusation, each denial, a statement
that nobody knows. Each is written in a frame the parser reads (`statements`):

  * claims: the subject of "claim", "admit", "take responsibility", "claim credit" (or the agent of
    "was claimed by"; "a claim by X") claims it: perpetrator and source are the claimant;
  * denials: the subject of "deny", "reject", "refute" (a negated "be involved", "carry out",
    "have nothing to do with") denies its own part; "X denied that Y was involved" clears Y;
  * accusations: "X blamed Y for it", "X blamed it on Y", "X accused Y of it", "X attributed it
    to Y", "X held Y responsible": Y is accused, X is the source;
  * reports: an act's agent ("was carried out by Y", "Y carried out", "Y was behind", "Y was
    responsible for", "an Israeli air strike") is its perpetrator; said by someone (the subject of
    a verb of speech, "according to X") it is alleged with that source, else reported in the
    article's own voice (alleged when hedged);
  * ignorance: "not clear who", "could not verify who", "no group has claimed": kind unknown.
Hedges ("could have been", "believed", "suspected", "appear to") are read from the words.

Names come from the phrase the frame gives, reduced to the name it holds: a person's name out of
"Haitian police chief Michel-Ange Gedeon", an organisation out of "the Britain-based Syrian
Observatory for Human Rights", a state out of a nationality ("an Israeli air strike": Israel).
A pronoun speaker ("he said") is the last person or group named as a speaker before it. What is
never a perpetrator: a date or a time, a town or a province (a state may act), the media that
report, an act's own target or victim, and a nameless description unless the frame accuses it
("Suspected gang members", "Armed men carried out the massacre").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extractor.articles.parse import surface
from extractor.articles.sentences import Sentence
from extractor.flow.events import HABITUAL, TRIGGERS
from extractor.flow.names import MEMBER_NOUNS, nameless, names_in
from extractor.flow.phrases import WEAPON_ACTS, Name, described, name_of, names_a_thing, state_of

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

HEDGES = re.compile(
    r"\b(?:could|may|might|possibly|probably|likely|appears?|appeared|apparently|believed|believe|suspected|"
    r"suspect|allegedly|alleged|reportedly|presumably|seems?|suggest\w*|hint\w*|possibility|thought|"
    r"supposedly|purportedly|reports? (?:emerged|say|said|suggest\w*))\b",
    re.I,
)
_SPEECH = frozenset(
    """say tell report announce state confirm add tweet write declare insist assert argue suggest hint post
    publish maintain note explain quote allege charge believe think suspect call describe conclude
    indicate""".split()
)
_CLAIM = {"claim", "admit", "acknowledge"}
_SPEECH_NOUNS = {"assertion", "claim", "allegation", "accusation", "statement", "suggestion", "report", "remark"}
_DENY = {"deny", "reject", "refute", "dismiss", "disown"}
_BLAME = {"blame", "accuse", "attribute", "hold", "charge", "implicate", "fault"}
_INSTRUMENT_VERBS = frozenset({"plant", "place"})
_DO = frozenset(
    """carry conduct commit perpetrate stage launch orchestrate mount execute cause initiate begin start
    unleash plant place""".split()
)
_UNKNOWN = re.compile(
    r"\b(?:not (?:yet |immediately |independently )?(?:clear|known|certain) who|"
    r"(?:could not|couldn't|cannot|can't|unable to) (?:be )?(?:independently )?(?:verify|confirm|determine|establish)"
    r"(?: who| which)|no (?:independent )?confirmation of who|difficult to pinpoint|"
    r"no (?:group|one|organi[sz]ation) (?:has |had )?(?:yet |immediately )?claimed|nobody (?:has )?claimed|"
    r"there (?:was|has been) no (?:immediate )?claim|(?:unknown|unidentified) (?:attackers|gunmen|assailants))",
    re.I,
)
# A claim told as the content of reports or rumours is theirs, not the subject's: "X said reports
# it had admitted involvement were utter falsehood" is no admission.
_RUMOUR_NOUNS = frozenset("report rumour rumor allegation suggestion speculation claim story".split())
_CLAUSES = frozenset({"ccomp", "acl", "relcl"})
_RESPONSIBILITY = {"responsibility", "credit", "role", "involvement", "part", "authorship", "hand", "link"}


@dataclass
class Statement:
    sentence: Sentence
    kind: str  # claimed | denied | alleged | reported | unknown
    perpetrator: Name | None
    source: Name | None
    hedged: bool
    cue: str  # the frame's word as written ("blamed", "claimed", "according to")
    about: list[int] = field(default_factory=list)  # offsets of words naming the act it is about
    on_act: bool = False  # read from an act's own words ("Y attacked", "a Hamas assault"): true of that act only
    of_accusation: bool = False  # a denial of "the accusations": it clears whom they accused
    plain: bool = False  # the agent of an act's own verb ("gunmen killed"), no frame of attribution


@dataclass
class _Context:
    doc: Doc
    sentences: Sequence[Sentence]
    is_place: Callable[[str], bool] | None
    speakers: list[Name] = field(default_factory=list)  # speakers so far, for "he said"
    quoting: Name | None = None  # who speaks in the quote the current sentence is part of
    quoted: int = 0  # sentences the open quote has gone on for
    groups: dict[str, set[str]] = field(default_factory=dict)  # member noun -> groups named with it

    def sentence_of(self, token: Token) -> Sentence | None:
        for s in self.sentences:
            if s.start <= token.idx < s.end:
                return s
        return None

    def name(self, token: Token) -> Name | None:
        if token.pos_ == "PRON" and token.lower_ in ("he", "she", "it", "they", "we", "i"):
            return self._resolve(token)
        if token.lower_ in ("spokesman", "spokeswoman", "spokesperson", "official") and self.speakers:
            return None
        name = name_of(token, self.is_place)
        if name is not None and described(name):
            return self._group_of_members(name) or name
        return name

    def _group_of_members(self, name: Name) -> Name | None:
        """ "The guerrillas" in an article that named "FMLN guerrillas" and no other guerrillas: the
        FMLN. A bare member noun refers to the one group the article named with it."""
        words = name.name.lower().split()
        if not words or not all(w in _NAMELESS_WORDS or w in MEMBER_NOUNS for w in words):
            return None
        noun = words[-1]
        groups = (
            self.groups.get(noun, set()) | self.groups.get(noun.rstrip("s"), set()) | self.groups.get(noun + "s", set())
        )
        if len(groups) != 1:
            return None
        (group,) = groups
        return Name(group, name.shown, name.start, name.end, "ORG", (name.shown,))

    def _resolve(self, token: Token) -> Name | None:
        person = token.lower_ in ("he", "she", "i")
        for name in reversed(self.speakers):
            if (name.label == "PERSON") == person:
                return name
        return None


# Words a description of members may hold besides its noun: "the urban guerrillas", "armed rebels".
_NAMELESS_WORDS = frozenset("the urban rural armed heavily some several many these those other".split())
_CONCESSIVE = {"despite", "although", "though", "while", "whereas", "unlike"}


def _subject(verb: Token) -> Token | None:
    """The verb's subject, or the subject of the clause it continues ("condemned the crime,
    blaming Haftar"), but not across "despite" ("despite al-Shabaab claiming responsibility")."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return child
    for aux in (c for c in verb.children if c.dep_ in ("aux", "auxpass")):  # the parser's "militias <- have"
        for child in aux.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
    concessive = verb.head.lower_ in _CONCESSIVE or any(c.lower_ in _CONCESSIVE for c in verb.children)
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i and not concessive:
        return _subject(verb.head)
    return None


def _habitual(verb: Token) -> bool:
    """Whether the verb tells what someone has done again and again ("the militias have, in the
    past, targeted civilians and blamed the LNA"): about earlier events, not the article's."""
    clause = verb.head if verb.dep_ == "conj" else verb
    return bool(HABITUAL.search(" ".join(t.text for t in clause.subtree if t.i <= verb.i)))


def _object(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ == "dobj"), None)


def _prep_object(verb: Token, *preps: str) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("prep", "agent", "dative") and child.lower_ in preps:
            found = next((g for g in child.children if g.dep_ in ("pobj", "pcomp")), None)
            if found is not None:
                return found
    return None


def _speaker(verb: Token, ctx: _Context) -> Name | None:
    """Who says what `verb` tells: climbing to a verb of speech whose clause holds it, or the
    object of "according to" in its sentence."""
    node = verb
    for _ in range(6):
        lemma = node.lemma_.lower()
        if lemma == "quote" and node.i != verb.i:  # "TRT quoted Adel al Masani as saying that"
            quoted = _object(node)
            return ctx.name(quoted) if quoted is not None else None
        impersonal = any(c.dep_ == "auxpass" for c in node.children)  # "was believed to": a hedge, said further up
        if lemma in _SPEECH and node.i != verb.i and node.pos_ in ("VERB", "AUX") and not impersonal:
            if node.head.lemma_.lower() == "quote" and _object(node.head) is not None:
                return ctx.name(_object(node.head))  # "quoted X as saying"
            subject = _subject(node)
            return ctx.name(subject) if subject is not None else None
        if lemma in _SPEECH_NOUNS and node.pos_ == "NOUN":  # "assertions by the United States that"
            by = _prep_object(node, "by") or next((c for c in node.children if c.dep_ == "poss"), None)
            if by is not None:
                return ctx.name(by)
        if node.head.i == node.i:
            break
        node = node.head
    for token in verb.sent:
        if token.lower_ == "according" and token.i + 1 < len(verb.doc) and verb.doc[token.i + 1].lower_ == "to":
            obj = next((g for c in verb.doc[token.i + 1].children for g in [c] if c.dep_ == "pobj"), None)
            if obj is not None:
                return ctx.name(obj)
    for token in verb.sent:  # a quote closed by "X said" / "said X"
        if token.lemma_.lower() in _SPEECH and token.dep_ == "ROOT" and token.i != verb.i:
            subject = _subject(token)
            return ctx.name(subject) if subject is not None else None
    return ctx.quoting  # a sentence inside a quote opened by "X told Reuters:"


_QUOTES = re.compile(r"[\"“”]")


def _quote_after(sent: Span, ctx: _Context) -> Name | None:
    """Who speaks in the sentences after `sent`: the speaker of a quote it opens and does not
    close ("Daoud Shehab told Reuters: “This is a lie..."), or the same as before while a quote
    opened earlier stays open."""
    marks = len(_QUOTES.findall(sent.text))
    if ctx.quoting is not None and marks % 2 == 0 and ctx.quoted < 2:
        ctx.quoted += 1
        return ctx.quoting  # the quote goes on (for two sentences at most: marks get lost in copies)
    if ctx.quoting is not None:
        return None  # it closes here
    ctx.quoted = 0
    if marks % 2 == 1:
        for token in sent:
            if token.lemma_.lower() in _SPEECH and token.pos_ == "VERB":
                subject = _subject(token)
                return ctx.name(subject) if subject is not None else None
    return None


def _negated(token: Token) -> bool:
    return any(c.dep_ == "neg" for c in token.children) or any(
        c.lower_ in ("no", "nothing", "never") for c in token.children if c.dep_ in ("det", "dobj", "advmod")
    )


def _hedged(sentence: Sentence) -> bool:
    return bool(HEDGES.search(sentence.shown))


def statements(
    doc: Doc, sentences: Sequence[Sentence], is_place: Callable[[str], bool] | None = None
) -> list[Statement]:
    """Every attribution statement the article's sentences hold, in order."""
    ctx = _Context(doc, sentences, is_place)
    for sentence in sentences:  # groups named with their members' noun: "FMLN guerrillas", "Taliban fighters"
        for found_name in names_in(surface(doc, sentence.start, sentence.end).replace("\n", " "), is_place=is_place):
            last = found_name.shown.split()[-1].lower()
            if found_name.name != found_name.shown and last in MEMBER_NOUNS and not nameless(found_name.name):
                ctx.groups.setdefault(last, set()).add(found_name.name)
    found: list[Statement] = []
    for sent in doc.sents:
        before = len(found)
        for token in sent:
            found += _frames_at(token, ctx)
        ctx.quoting = _quote_after(sent, ctx)
        for token in sent:  # remember who spoke, for "he said" in the next sentences
            if token.lemma_.lower() in _SPEECH | _CLAIM | _DENY | _BLAME and token.pos_ == "VERB":
                subject = _subject(token)
                if subject is not None and subject.pos_ != "PRON":
                    name = name_of(subject, is_place)
                    if name is not None and name.label in ("PERSON", "ORG", "NORP", "GPE"):
                        ctx.speakers.append(name)
        sentence = ctx.sentence_of(sent[0]) or ctx.sentence_of(sent[-1])
        if sentence is not None and _UNKNOWN.search(sent.text) and not any(s.kind == "unknown" for s in found[before:]):
            cue = _UNKNOWN.search(sent.text).group(0)
            root = sent.root
            source = (
                _speaker(root, ctx)
                if root.lemma_.lower() not in _SPEECH
                else (ctx.name(_subject(root)) if _subject(root) is not None else None)
            )
            found.append(Statement(sentence, "unknown", None, source, False, cue))
    return [s for s in found if s.sentence is not None]


def _frames_at(token: Token, ctx: _Context) -> list[Statement]:
    lemma = token.lemma_.lower()
    sentence = ctx.sentence_of(token)
    if sentence is None or token.pos_ not in ("VERB", "NOUN", "AUX", "ADJ"):
        return []
    hedged = _hedged(sentence)
    out: list[Statement] = []

    # a weapon planted is no act of its own: the act is what it did ('a bomb planted by X killed'),
    # told by its sentence
    on_act = lemma in TRIGGERS or (lemma in _DO and lemma not in _INSTRUMENT_VERBS)

    def add(kind: str, perpetrator: Name | None, source: Name | None, about: Token | None, h: bool = hedged) -> None:
        at = [about.idx] if about is not None else []
        out.append(Statement(sentence, kind, perpetrator, source, h, token.text, at, on_act, plain=lemma in TRIGGERS))

    rumoured = token.head.pos_ == "NOUN" and token.head.lemma_.lower() in _RUMOUR_NOUNS and token.dep_ in _CLAUSES
    if lemma in _CLAIM and token.pos_ == "VERB" and not _negated(token) and not rumoured:
        subject = _subject(token)
        agent = _prep_object(token, "by")
        claimer = agent if agent is not None else subject
        what = _object(token) or _prep_object(token, "for")
        if what is not None and what.lemma_.lower() in _RESPONSIBILITY:
            # "claimed responsibility on Thursday for two explosions": "for" may hang on either
            what = _prep_object(what, "for", "in", "of") or _prep_object(token, "for") or what
        if claimer is not None and (what is not None or any(c.dep_ == "ccomp" for c in token.children)):
            for claimant in _conjoined(claimer, ctx):  # "Both the Islamic State and Jamaat-ul-Ahrar claimed"
                add("claimed", claimant, claimant, what, False)
    elif lemma == "claim" and token.pos_ == "NOUN":
        by = _prep_object(token, "by") or next((c for c in token.children if c.dep_ == "poss"), None)
        if by is not None:
            claimant = ctx.name(by)
            if claimant is not None:
                add("claimed", claimant, claimant, None, False)
    elif lemma in ("take", "accept", "assume", "bear") and token.pos_ == "VERB":
        what = _object(token)
        if what is not None and what.lemma_.lower() in ("responsibility", "credit") and not _negated(token):
            subject = _subject(token)
            claimant = ctx.name(subject) if subject is not None else None
            speaker = _speaker(token, ctx)
            if claimant is not None and lemma != "bear":
                add("claimed", claimant, claimant, _prep_object(what, "for"), False)
            elif claimant is not None and speaker is not None:  # "both Israel and the US bore responsibility"
                for perpetrator in _conjoined(subject, ctx):
                    add("alleged", perpetrator, speaker, None)
    elif lemma in _DENY and token.pos_ == "VERB":
        subject = _subject(token)
        denier = ctx.name(subject) if subject is not None else None
        clause = next((c for c in token.children if c.dep_ == "ccomp"), None)
        cleared = _subject(clause) if clause is not None else None
        if clause is not None and cleared is not None and cleared.pos_ != "PRON":
            other = ctx.name(cleared)
            if other is not None and denier is not None:
                add("denied", other, denier, _object(clause))
        elif subject is not None and subject.lower_ in ("we", "i"):
            pair = _first_person(subject, ctx)
            if pair is not None:
                add("denied", pair[0], pair[1], _prep_object(token, "in", "for") or _object(token), False)
        elif (
            denier is not None
            and (claim := _object(token)) is not None
            and claim.lemma_.lower() == "claim"
            and ((by := _prep_object(claim, "by")) is not None and (claimant := ctx.name(by)) is not None)
        ):
            add("denied", claimant, denier, claim, False)  # "police denied a claim by IS that it was responsible"
        elif denier is not None:
            obj = _object(token)
            add("denied", denier, denier, _prep_object(token, "in", "for") or obj, False)
            if obj is not None and obj.lemma_.lower() in ("accusation", "allegation", "charge", "claim", "report"):
                out[-1].of_accusation = True
    elif lemma in _BLAME and token.pos_ == "VERB" and not _negated(token) and not _habitual(token):
        subject = _subject(token)
        # a subject that names no one ("the militias ... blamed the LNA", in a quote) is not the
        # speaker: the accusation is someone else's, and who made it stays unsaid
        accuser = ctx.name(subject) if subject is not None else _speaker(token, ctx)
        if lemma in ("blame", "fault"):
            on = _prep_object(token, "on")
            obj = _object(token)
            accused = on if on is not None else obj
            about = obj if on is not None else _prep_object(token, "for")
        elif lemma in ("accuse", "charge", "implicate"):
            accused, about = _object(token), _prep_object(token, "of", "in")
        elif lemma == "attribute":
            accused, about = _prep_object(token, "to"), _object(token)
        else:  # "held X responsible"
            obj = _object(token)
            responsible = any(c.lower_ == "responsible" for c in token.children) or (
                obj is not None and any(c.lower_ == "responsible" for c in obj.children)
            )
            accused, about = (obj, _prep_object(token, "for")) if responsible else (None, None)
        if accused is not None and names_a_thing(accused):  # "blamed on a failed rocket launch by a militant group"
            doer = _doer_of(accused, ctx)
            about, accused_names = accused, [doer] if doer is not None else []
        else:
            accused_names = _conjoined(accused, ctx) if accused is not None else []
        if accuser is not None:
            for perpetrator in accused_names:
                add("alleged", perpetrator, accuser, about)
    elif (lemma in _DO or lemma in TRIGGERS) and token.pos_ == "VERB":
        _agent_frame(token, ctx, add)
    elif lemma in TRIGGERS and token.pos_ == "NOUN":
        _modifier_frame(token, ctx, add)
    elif lemma in ("behind", "responsible") or (lemma == "be" and _prep_object(token, "behind") is not None):
        _behind_frame(token, ctx, add)
    elif lemma in ("be", "come") and _prep_object(token, "from") is not None:
        _origin_frame(token, ctx, add)
    elif lemma in ("accuse", "suspect") and token.dep_ == "acl" and token.head.pos_ in ("NOUN", "PROPN"):
        accused = ctx.name(token.head)  # "two policemen accused of being involved"
        if accused is not None:
            add("alleged", accused, _speaker(token.head, ctx), None, True)
    elif lemma in ("involvement", "role", "hand") and token.pos_ == "NOUN" and _prep_object(token, "of") is not None:
        speaker = _speaker(token, ctx)  # "the police had hinted at the involvement of Naga militants"
        if speaker is not None and not _negated(token.head):
            for perpetrator in _conjoined(_prep_object(token, "of"), ctx):
                add("alleged", perpetrator, speaker, None)
    elif lemma == "act" and token.pos_ == "NOUN" and _prep_object(token, "of") is not None:
        doer = _prep_object(token, "of")  # "it is an act of the Zionist regime"
        speaker = _speaker(token, ctx)
        for perpetrator in _conjoined(doer, ctx):
            add("alleged" if speaker is not None or hedged else "reported", perpetrator, speaker, None)
    elif lemma == "have" and any(c.dep_ == "dobj" and c.lower_ == "nothing" for c in token.children):
        subject = _subject(token)  # "We have nothing to do with the attack"
        denier = _first_person(subject, ctx) if subject is not None else None
        if denier is not None:
            add("denied", denier[0], denier[1], None, False)
    return out


def _first_person(subject: Token, ctx: _Context) -> tuple[Name, Name] | None:
    """(who is cleared, who says so) for "we" or "I" in a quote: the group the speaker's words name
    ("Houthi official Mohammad al-Bakhiti": the Houthis), else the speaker; for another subject,
    that subject twice."""
    if subject.lower_ not in ("we", "i"):
        name = ctx.name(subject)
        return (name, name) if name is not None else None
    speaker = ctx.quoting or _speaker(subject.head, ctx)
    if speaker is None:
        return None
    return (group_of(speaker) or speaker), speaker


def group_of(person: Name) -> Name | None:
    """The group a person's title names: "Taliban spokesman Zabiullah Mujahid" -> Taliban."""
    for form in (person.shown, *person.mentions):
        m = re.match(
            r"(?:the\s+)?((?:[A-Z][\w'’-]+\s+){1,4}?)(?:spokes\w+|official|commander|leader|chief|member)\b", form
        )
        if m and _fold_words(m.group(1)) not in ("police", "army", "military"):
            name = m.group(1).strip()
            return Name(name, name, person.start, person.end, "ORG")
    return None


def _fold_words(text: str) -> str:
    return " ".join(text.lower().split())


def _conjoined(token: Token, ctx: _Context) -> list[Name]:
    names = []
    for t in [token, *[c for c in token.conjuncts]]:
        name = ctx.name(t)
        if name is not None:
            names.append(name)
    return names


def _agent_frame(token: Token, ctx: _Context, add) -> None:
    """ "E was carried out by Y" / "Y carried out E" / "Y attacked" / "killed by Y": Y did it. An
    act for agent ("was caused by an Israeli air strike") gives the state its nationality word
    names, or the group its own name holds ("a Hamas assault")."""
    agent = _prep_object(token, "by")
    subject = _subject(token)
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in token.children)
    doer = agent if agent is not None else (None if passive else subject)
    if doer is None or _negated(token) or _under_denial(token):
        return
    about = (subject if passive else _object(token)) if token.lemma_.lower() not in TRIGGERS else token
    speaker = _speaker(token, ctx)
    if doer.lower_ in ("we", "i") and token.lemma_.lower() in TRIGGERS:
        pair = _first_person(doer, ctx)  # "We attacked Nampala this morning," said X: a claim
        if pair is not None:
            add("claimed", pair[0], pair[1], about, False)
        return
    if doer.pos_ == "PRON":
        return  # "it has executed attacks": a pronoun agent is not read as an accusation
    if names_a_thing(doer):
        weapon = doer.lemma_.lower() not in TRIGGERS and doer.lower_ not in TRIGGERS
        named = state_of(doer) or (None if weapon else _named_modifier(doer, ctx) or _doer_of(doer, ctx))
        doers = [named] if named is not None else []
    else:
        doers = _conjoined(doer, ctx)
    for perpetrator in doers:
        if speaker is not None:
            add("alleged", perpetrator, speaker, about)
        else:
            hedged = _hedged(ctx.sentence_of(token))
            add("alleged" if hedged else "reported", perpetrator, None, about)


def _under_denial(token: Token) -> bool:
    """Whether an act is told inside a denial ("herders deny killing farmers"): the denial is
    the statement, not the act's report."""
    node = token
    for _ in range(3):
        if node.head.i == node.i:
            return False
        node = node.head
        if node.lemma_.lower() in _DENY or (node.pos_ in ("VERB", "AUX") and _negated(node)):
            return True
    return False


def _doer_of(act: Token, ctx: _Context) -> Name | None:
    """Who an act's own phrase says did it: "a rocket launch by a Palestinian militant group",
    "an Israeli air strike", "a Hamas assault"."""
    by = _prep_object(act, "by")
    if by is not None and not names_a_thing(by):
        return ctx.name(by)
    return state_of(act) or _named_modifier(act, ctx)


def _named_modifier(token: Token, ctx: _Context, states_only: bool = False) -> Name | None:
    """A group or state named inside an act's phrase: "a Hamas assault", "the ELN's car bomb"; for
    a weapon only a state ("a U.S. drone": a weapon's make, "Katyusha", names nobody)."""
    labels = ("GPE",) if states_only else ("ORG", "GPE", "NORP")
    for child in token.children:
        if child.dep_ in ("compound", "poss", "nmod") and child.ent_type_ in labels and child.i < token.i:
            if ctx.is_place is not None and ctx.is_place(child.text):
                continue  # "the Quetta bombing", "Sulu church bombings": where, not who
            return ctx.name(child)
    return None


def _modifier_frame(token: Token, ctx: _Context, add) -> None:
    """An act named with who did it: "a deadly cross-border Hamas assault", "a U.S. drone strike",
    "Israel's bombing campaign": reported in the article's voice, alleged when someone says it."""
    weapon = token.lemma_.lower() in WEAPON_ACTS or token.lower_.removesuffix("s") in WEAPON_ACTS
    by = _prep_object(token, "by")  # "a treacherous attack by the FMLN terrorists"
    named = (
        state_of(token)
        if weapon
        else (ctx.name(by) if by is not None and not names_a_thing(by) else None)
        or _named_modifier(token, ctx)
        or state_of(token)
    )
    if named is None or token.dep_ in ("compound",) or _under_denial(token):
        return  # "this was not an al-Shabaab attack": no report of one
    speaker = _speaker(token, ctx)
    add("alleged" if speaker is not None or _hedged(ctx.sentence_of(token)) else "reported", named, speaker, token)


def _origin_frame(token: Token, ctx: _Context, add) -> None:
    """ "the drones appear to have been from the U.S.-led coalition", "the rockets came from X":
    whose a weapon or an act was is who used it."""
    subject = _subject(token)
    origin = _prep_object(token, "from")
    if subject is None or origin is None or not names_a_thing(subject) or _negated(token):
        return
    speaker = _speaker(token, ctx)
    for perpetrator in _conjoined(origin, ctx):
        kind = "alleged" if speaker is not None or _hedged(ctx.sentence_of(token)) else "reported"
        add(kind, perpetrator, speaker, subject)


def _behind_frame(token: Token, ctx: _Context, add) -> None:
    """ "Y was behind E" / "Y was responsible for E": Y is said to have done it."""
    verb = token if token.pos_ in ("VERB", "AUX") else token.head
    subject = _subject(verb)
    if subject is None:
        return
    about = _prep_object(verb, "behind") or _prep_object(token, "for")
    speaker = _speaker(verb, ctx)
    if _negated(verb):
        denier = speaker
        for cleared in _conjoined(subject, ctx):
            if denier is not None:
                add("denied", cleared, denier, about)
        return
    for perpetrator in _conjoined(subject, ctx):
        if speaker is not None:
            add("alleged", perpetrator, speaker, about)
        elif _hedged(ctx.sentence_of(verb)):
            add("alleged", perpetrator, None, about)
