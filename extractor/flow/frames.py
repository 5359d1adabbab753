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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from extractor.articles.parse import surface
from extractor.articles.sentences import Sentence
from extractor.flow.events import TRIGGERS
from extractor.flow.names import MEMBER_NOUNS, nameless, names_in

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
# Nouns that never act themselves: what reports or shows an act, and weapons.
_NOT_ACTORS = frozenset(
    """photo photograph picture image video footage report statement communique document post message
    letter tweet website channel drone missile rocket bomb shell mortar grenade bullet explosive
    device vehicle car truck weapon evidence analysis intelligence investigation account claim
    accusation launch misfire barrage projectile shrapnel violence incident crime killings tragedy""".split()
)
# Acts named by their weapon: the phrase names a state ("a U.S. drone"), never a maker ("Katyusha").
WEAPON_ACTS = frozenset("rocket missile mortar artillery grenade bomb landmine ied shell drone".split())
_RESPONSIBILITY = {"responsibility", "credit", "role", "involvement", "part", "authorship", "hand", "link"}
_MEDIA = re.compile(
    r"\b(?:news|agency|reuters|associated press|ap|afp|agence france-presse|cnn|bbc|al jazeera|aljazeera|tv|"
    r"television|radio|newspaper|times|post|sky news|tass|ria|interfax|xinhua|dpa|efe|upi|abs-cbn)\b",
    re.I,
)
# Nationality words and the state they name ("an Israeli air strike": Israel).
DEMONYMS = {
    "israeli": "Israel",
    "iranian": "Iran",
    "american": "United States",
    "u.s.": "United States",
    "us": "United States",
    "russian": "Russia",
    "ukrainian": "Ukraine",
    "syrian": "Syria",
    "iraqi": "Iraq",
    "turkish": "Turkey",
    "saudi": "Saudi Arabia",
    "emirati": "United Arab Emirates",
    "egyptian": "Egypt",
    "pakistani": "Pakistan",
    "afghan": "Afghanistan",
    "indian": "India",
    "chinese": "China",
    "french": "France",
    "british": "United Kingdom",
    "german": "Germany",
    "nigerian": "Nigeria",
    "malian": "Mali",
    "cameroonian": "Cameroon",
    "kenyan": "Kenya",
    "somali": "Somalia",
    "ethiopian": "Ethiopia",
    "sudanese": "Sudan",
    "libyan": "Libya",
    "yemeni": "Yemen",
    "lebanese": "Lebanon",
    "jordanian": "Jordan",
    "palestinian": "Palestine",
    "colombian": "Colombia",
    "mexican": "Mexico",
    "venezuelan": "Venezuela",
    "peruvian": "Peru",
    "salvadoran": "El Salvador",
    "guatemalan": "Guatemala",
    "honduran": "Honduras",
    "nicaraguan": "Nicaragua",
    "filipino": "Philippines",
    "philippine": "Philippines",
    "burmese": "Myanmar",
    "mozambican": "Mozambique",
    "congolese": "Democratic Republic of the Congo",
    "rwandan": "Rwanda",
    "ugandan": "Uganda",
    "algerian": "Algeria",
    "moroccan": "Morocco",
    "tunisian": "Tunisia",
    "azerbaijani": "Azerbaijan",
    "armenian": "Armenia",
    "georgian": "Georgia",
    "haitian": "Haiti",
}


@dataclass(frozen=True)
class Name:
    """An actor as a frame names it: its name, the words as written, and their offsets."""

    name: str
    shown: str
    start: int
    end: int
    label: str = ""  # the name finder's label: PERSON, ORG, NORP, GPE, or "" for a description
    mentions: tuple[str, ...] = ()  # other forms in the phrase ("Taliban spokesman Zabiullah Mujahid")


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


def _phrase_bounds(token: Token) -> tuple[int, int]:
    """The words of the noun phrase `token` heads: its modifiers and the phrases of "of", "for",
    "in" that belong to a name ("Minister of Information, Tourism, and Culture of the resigned
    Yemeni government", "officials in the Iranian regime"), without its clauses, appositions and
    the other members of a list it heads."""
    cut = {t.i for c in token.children if c.dep_ in ("conj", "cc", "relcl", "acl", "appos") for t in c.subtree}
    for child in token.children:  # a phrase of time or purpose is no part of a name, nor "of doing"
        objects = [g for g in child.children if g.dep_ in ("pobj", "pcomp")]
        doing = any(g.pos_ == "VERB" or g.tag_ == "VBG" or g.lower_.endswith("ing") or _thing(g) for g in objects)
        if child.dep_ == "prep" and (child.lower_ not in ("of", "for", "in", "from") or doing):
            cut |= {t.i for t in child.subtree}
    for t in token.subtree:  # "militias — who are largely allied to the GNA —"
        if t.text in ("—", "–") and t.i > token.i:
            cut |= {x.i for x in token.subtree if x.i >= t.i}
    words = [t.i for t in token.subtree if t.i not in cut]
    left, right = min(words), max(words)
    while right > token.i and token.doc[right].is_punct:
        right -= 1
    return left, right


def name_of(token: Token, is_place: Callable[[str], bool] | None = None) -> Name | None:
    """The actor a noun phrase names (see the module's docstring), or None for a pronoun, a date,
    a place, or a phrase that names nothing."""
    name = _name_of(token, is_place)
    person = name is not None and name.label == "PERSON" and " " in name.name
    if name is not None and not person and is_place is not None and is_place(name.name):
        whole = _clean(re.sub(r"^(?:the|a|an)\s+", "", name.shown, flags=re.I))
        if whole != name.name and not is_place(whole):
            return replace(name, name=whole)  # "Naga militants": a people's members, not the town Naga
        return None  # a town or a province by its name alone: where, not who acted
    return name


def _name_of(token: Token, is_place: Callable[[str], bool] | None) -> Name | None:
    doc = token.doc
    if token.pos_ == "PRON" or token.ent_type_ in ("DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY"):
        return None
    if _thing(token):
        return None  # an act, a weapon or a document does not act: its author does
    left, right = _phrase_bounds(token)
    sentence = token.sent
    left, right = max(left, sentence.start), min(right, sentence.end - 1)
    breaks = [t.i for t in doc[left : token.i] if "\n" in t.text or "\n" in t.whitespace_]
    if breaks:
        left = breaks[-1] + 1  # a line of page clutter before it ("Home\nNigerian herders")
    span = doc[left : right + 1]
    shown = _w(span).strip(" ,.:;\"“”'’")
    while span and span[0].lower_ in ("the", "a", "an", "both") and len(span) > 1:
        span = span[1:]
    # its name without the describing words before it ("self-styled", "ethnic", "renegade"); the
    # whole phrase stays as it is shown
    core = span
    while len(core) > 1 and core[0].i < token.i and (core[0].is_punct or core[0].lower_ in _DESCRIBING):
        core = core[1:]
    ents = [e for e in doc.ents if e.start >= left and e.end <= right + 1]
    closing = _closing_name(token)
    if closing is not None:  # "The health minister in the Hamas-run government of Gaza, Mai Alkaila, accused"
        return Name(_clean(_w(closing)), shown, span.start_char, span.end_char, "PERSON", (_clean(_w(span)),))
    for child in token.children:  # "The health minister ..., Mai Alkaila, accused": the person
        if child.dep_ == "appos" and child.pos_ == "PROPN" and token.pos_ == "NOUN":
            named = [e for e in doc.ents if e.start <= child.i < e.end]
            if named:
                ents = named + ents
            else:
                first = min([child.i, *(c.i for c in child.children if c.dep_ == "compound")])
                person = doc[first : child.i + 1]
                return Name(_clean(_w(person)), shown, span.start_char, span.end_char, "PERSON", (_clean(_w(span)),))
    person = next((e for e in ents if e.label_ == "PERSON"), None)
    if person is not None and person.root.i != token.i and token.lower_ in MEMBER_NOUNS:
        person = None  # "Naga militants": a people's or a group's name before its members, no person
    if person is not None:
        return Name(
            _clean(_w(person)),
            shown,
            span.start_char,
            span.end_char,
            "PERSON",
            (_clean(_w(span)),) if _clean(_w(span)) != _clean(_w(person)) else (),
        )
    if any(e.label_ in ("DATE", "TIME") and e.root.i == token.i for e in ents):
        return None
    backed = [e for e in ents if e.end + 1 < len(doc) and doc[e.end].text == "-" and doc[e.end + 1].lower_ in _BACKED]
    if backed and not any(e.label_ == "ORG" and e.root.i == token.i for e in ents):
        return Name(_clean(_w(core)), shown, span.start_char, span.end_char, "ORG")  # "UAE-backed militias"
    org = next((e for e in ents if e.label_ in ("ORG", "NORP", "GPE", "FAC") and e.root.i == token.i), None)
    if org is None:
        org = next((e for e in ents if e.label_ == "ORG"), None) or next((e for e in ents if e.label_ == "NORP"), None)
    text = _clean(_w(core))
    if org is not None and org.label_ == "GPE" and is_place is not None and is_place(_w(org)):
        return None  # a town or a province does not act
    if org is not None and org.label_ == "GPE" and org.root.i == token.i:
        return Name(_clean(_w(org)), shown, org.start_char, org.end_char, "GPE")
    if org is not None and org.label_ == "NORP" and org.root.i != token.i:
        # "the Israeli military", "Palestinian health authorities": the phrase is the actor
        return Name(text, shown, span.start_char, span.end_char, "NORP")
    if org is not None and org.label_ == "NORP" and len(span) == 1:
        state = DEMONYMS.get(token.lower_)  # "Israeli" alone names no group; a state by its adjective
        return Name(state, shown, span.start_char, span.end_char, "GPE") if state else None
    if org is not None:
        name = _clean(_w(org))  # the name the finder read; the phrase around it is a mention
        forms = tuple(f for f in (text, _acronym_after(org)) if f and f != name)
        return Name(name, shown, span.start_char, span.end_char, "ORG", forms)
    found = names_in(_w(span), is_place=is_place)
    if found:
        first = found[0]
        at = span.start_char + max(_w(span).find(first.shown), 0)
        return Name(_clean(first.name), shown, at, at + len(first.shown), "ORG")
    nominal = token.pos_ in ("NOUN", "PROPN") or token.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj")
    if nominal:  # the tagger takes some nouns for verbs ("Naga militants")
        return Name(text, shown, span.start_char, span.end_char, "")
    return None


# Words that describe an actor without naming it: left out of its name, kept in its mention.
_DESCRIBING = frozenset("self styled so called renegade ethnic notorious outlawed banned rival powerful".split())
_BACKED = frozenset("backed led allied sponsored funded aligned affiliated linked supported planted".split())


def _w(span: Span) -> str:
    """The article's own words a span of the parse covers (a text in capitals is parsed in lower case)."""
    return surface(span.doc, span.start_char, span.end_char)


def _closing_name(token: Token) -> Span | None:
    """A proper name set off by commas at the end of a common noun's subject phrase, which the
    parser may hang anywhere inside it: the name of the one the phrase describes."""
    if token.pos_ != "NOUN" or token.dep_ not in ("nsubj", "nsubjpass"):
        return None
    doc = token.doc
    last = max(t.i for t in token.subtree)
    while last > token.i and doc[last].is_punct:
        last -= 1
    if doc[last].pos_ != "PROPN" or doc[last].i <= token.i:
        return None
    first = last
    while first - 1 > token.i and doc[first - 1].pos_ == "PROPN":
        first -= 1
    if doc[first - 1].text != "," or last + 1 >= len(doc) or doc[last + 1].text != ",":
        return None
    return doc[first : last + 1]


def _acronym_after(ent: Span) -> str | None:
    """The acronym written in brackets after a name: "National Liberation Army (ELN)"."""
    doc = ent.doc
    if ent.end + 2 < len(doc) and doc[ent.end].text == "(" and doc[ent.end + 2].text == ")":
        inside = doc[ent.end + 1].text
        return inside if inside.isupper() and 2 <= len(inside) <= 8 else None
    return None


def _thing(token: Token) -> bool:
    """An act, a weapon or a document: the lemma, or the word without a plural "s" (a capitalised
    "Drones" opening a sentence keeps its plural as its lemma)."""
    words = {token.lemma_.lower(), token.lower_, token.lower_.removesuffix("s")}
    return bool(words & (TRIGGERS | _NOT_ACTORS))


def _clean(text: str) -> str:
    text = re.sub(r",?&?quot;?", "", text)  # a broken entity left in the copy: "forces,quot;"
    text = re.sub(r"[\"“”\\]", "", re.sub(r"\s+", " ", text)).strip(" ,.:;'’")
    if text.count("(") != text.count(")"):
        text = text.replace("(", "").replace(")", "").strip()
    return re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)


_QUANTIFIED = re.compile(r"^(?:two|three|four|several|some|many|both|another|other|other|separate|various)\b", re.I)


def described(name: Name) -> bool:
    """Whether a name is only a description: no name finder knew it and it names no group, or it
    counts unnamed groups ("two separate groups", "Another group")."""
    if _QUANTIFIED.match(name.name) and name.label in ("", "ORG"):
        return True
    return name.label == "" and (nameless(name.name) or not any(w[:1].isupper() for w in name.name.split()))


def state_of(token: Token) -> Name | None:
    """The state a nationality word before an act names: "Israeli" in "an Israeli air strike"."""
    for t in token.children:
        state = DEMONYMS.get(t.lower_)
        if state and t.dep_ in ("amod", "compound", "nmod") and t.i < token.i:
            return Name(state, t.text, t.idx, t.idx + len(t.text), "GPE")
    return None


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
    concessive = verb.head.lower_ in _CONCESSIVE or any(c.lower_ in _CONCESSIVE for c in verb.children)
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i and not concessive:
        return _subject(verb.head)
    return None


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
        if lemma in _SPEECH and node.i != verb.i and node.pos_ in ("VERB", "AUX"):
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

    on_act = lemma in TRIGGERS or lemma in _DO

    def add(kind: str, perpetrator: Name | None, source: Name | None, about: Token | None, h: bool = hedged) -> None:
        at = [about.idx] if about is not None else []
        out.append(Statement(sentence, kind, perpetrator, source, h, token.text, at, on_act, plain=lemma in TRIGGERS))

    if lemma in _CLAIM and token.pos_ == "VERB" and not _negated(token):
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
    elif lemma in _BLAME and token.pos_ == "VERB" and not _negated(token):
        subject = _subject(token)
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
        if accused is not None and _thing(accused):  # "blamed on a failed rocket launch by a militant group"
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
    if _thing(doer):
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
    if by is not None and not _thing(by):
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
        else (ctx.name(by) if by is not None and not _thing(by) else None)
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
    if subject is None or origin is None or not _thing(subject) or _negated(token):
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


def names_in_sentence(doc: Doc, sentence: Sentence, is_place: Callable[[str], bool] | None = None) -> list[str]:
    """The names of possible actors in one sentence, in order: the heads of its named groups,
    people and states, and of the noun phrases that name someone ("the Israeli military")."""
    names: list[str] = []
    for token in doc:
        if not (sentence.start <= token.idx < sentence.end) or token.pos_ not in ("PROPN", "NOUN"):
            continue
        if token.dep_ in ("compound", "amod", "poss") and token.head.pos_ in ("PROPN", "NOUN"):
            continue
        if token.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or token.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj"):
            name = name_of(token, is_place)
            if name is not None and not (name.label == "" and described(name) and token.ent_type_ == ""):
                names.append(name.name)
    return list(dict.fromkeys(names))
