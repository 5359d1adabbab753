"""Who a noun phrase names: the actor a frame's subject, object or agent stands for. Pure logic
over a parse (`extractor.articles.parse`), used by the frames of `extractor.flow.frames`.

A phrase is reduced to the name it holds: a person's name out of "Haitian police chief
Michel-Ange Gedeon" (or a name set off by commas at the end of a longer phrase: "The health
minister ..., Mai Alkaila,"), an organisation out of "the Britain-based Syrian Observatory for
Human Rights", "UAE-backed militias" whole, a state out of a nationality word ("an Israeli air
strike": Israel), an acronym in brackets kept as a mention ("National Liberation Army (ELN)").
The phrase as the article writes it stays as the name's `shown` form, so an actor keeps every form
the text gives it. A text in capitals is read from its own words (`surface`), its names by the
registry and the capitals (`extractor.flow.names`). Never an actor: a pronoun, a date or a time,
a town or a province (a state may act), an act, a weapon or a document (its author acts).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from extractor.articles.parse import surface
from extractor.articles.sentences import Sentence
from extractor.flow.events import TRIGGERS
from extractor.flow.names import MEMBER_NOUNS, nameless, names_in
from extractor.flow.place_names import PLACE_KINDS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


@dataclass(frozen=True)
class Name:
    """An actor as a frame names it: its name, the words as written, and their offsets."""

    name: str
    shown: str
    start: int
    end: int
    label: str = ""  # the name finder's label: PERSON, ORG, NORP, GPE, or "" for a description
    mentions: tuple[str, ...] = ()  # other forms in the phrase ("Taliban spokesman Zabiullah Mujahid")


# Nouns that never act themselves: what reports or shows an act, and weapons.
_NOT_ACTORS = frozenset(
    """photo photograph picture image video footage report statement communique document post message
    letter tweet website channel drone missile rocket bomb shell mortar grenade bullet explosive
    device vehicle car truck weapon evidence analysis intelligence investigation account claim
    accusation launch misfire barrage projectile shrapnel violence incident crime killings tragedy plane
    airplane aircraft warplane helicopter jet call""".split()
)
# Acts named by their weapon: the phrase names a state ("a U.S. drone"), never a maker ("Katyusha").
WEAPON_ACTS = frozenset("rocket missile mortar artillery grenade bomb landmine ied shell drone".split())
MEDIA = re.compile(
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


def _phrase_bounds(token: Token) -> tuple[int, int]:
    """The words of the noun phrase `token` heads: its modifiers and the phrases of "of", "for",
    "in" that belong to a name ("Minister of Information, Tourism, and Culture of the resigned
    Yemeni government", "officials in the Iranian regime"), without its clauses, appositions and
    the other members of a list it heads."""
    cut = {t.i for c in token.children if c.dep_ in ("conj", "cc", "relcl", "acl", "appos") for t in c.subtree}
    for child in token.children:  # a phrase of time or purpose is no part of a name, nor "of doing"
        objects = [g for g in child.children if g.dep_ in ("pobj", "pcomp")]
        doing = any(
            g.pos_ == "VERB" or g.tag_ == "VBG" or g.lower_.endswith("ing") or names_a_thing(g) for g in objects
        )
        if child.dep_ == "prep" and (child.lower_ not in ("of", "for", "in", "from") or doing):
            cut |= {t.i for t in child.subtree}
        elif child.dep_ == "prep" and child.lower_ == "in" and any(_where(g) for g in objects):
            cut |= {t.i for t in child.subtree}  # "a sniper in the Faqiran Kaji area": where, not who
    for t in token.subtree:  # "militias — who are largely allied to the GNA —"
        if t.text in ("—", "–") and t.i > token.i:
            cut |= {x.i for x in token.subtree if x.i >= t.i}
    words = [t.i for t in token.subtree if t.i not in cut]
    left, right = min(words), max(words)
    while right > token.i and token.doc[right].is_punct:
        right -= 1
    return left, right


_PLACE_NOUNS = PLACE_KINDS | {"capital", "country", "state"}


def _where(token: Token) -> bool:
    """Whether a preposition's object names a place: a place the name finder read, or a noun of place."""
    return token.ent_type_ in ("GPE", "LOC", "FAC") or token.lemma_.lower() in _PLACE_NOUNS


def name_of(token: Token, is_place: Callable[[str], bool] | None = None) -> Name | None:
    """The actor a noun phrase names (see the module's docstring), or None for a pronoun, a date,
    a place, or a phrase that names nothing."""
    name = _name_of(token, is_place)
    person = name is not None and name.label == "PERSON" and " " in name.name
    # a common noun is no place name, though a town may share it ("Police" opening a sentence; Police, Poland)
    common = name is not None and token.pos_ == "NOUN" and not token.ent_type_ and name.name.lower() == token.lower_
    if name is not None and not person and not common and is_place is not None and is_place(name.name):
        whole = _clean(re.sub(r"^(?:the|a|an)\s+", "", name.shown, flags=re.I))
        if whole != name.name and not is_place(whole):
            return replace(name, name=whole)  # "Naga militants": a people's members, not the town Naga
        return None  # a town or a province by its name alone: where, not who acted
    return name


def _name_of(token: Token, is_place: Callable[[str], bool] | None) -> Name | None:
    doc = token.doc
    if token.pos_ == "PRON" or token.ent_type_ in ("DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY"):
        return None
    if names_a_thing(token):
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
    if person is not None and person.end <= token.i and all(t.pos_ == "PROPN" for t in doc[person.end : token.i + 1]):
        person = doc[person.start : token.i + 1]  # "Oscar Albayalde": the name finder stopped at the first name
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


def names_a_thing(token: Token) -> bool:
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
