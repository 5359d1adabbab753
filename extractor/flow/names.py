"""Names of possible actors in one sentence, found by code: the options of the attribution
questions (`extractor.flow.attribute`). Pure logic.

Three finders, their names in order of position in the sentence:
  1. the actor registry's names and aliases (extractor/data/actors.json), whole words, case folded
     (an alias written as an acronym, "FMLN", only as written): the one finder that tells
     "SHINING PATH" from the other words of an upper-case wire text;
  2. in mixed case, capitalised names with the group noun that follows ("the U.S.-led
     coalition", "pro-Iranian groups"), sentence-initial function words and calendar words left out;
  3. in upper case, where every word is capitalised, phrases ending in a group noun ("NATIONAL
     POLICE", "FMLN GUERRILLAS"), cut after the last function word and stripped of leading
     numbers, quantifiers and adjectives ("AT LEAST SIX FMLN GUERRILLAS" -> "FMLN GUERRILLAS").
Two kinds of phrase are not offered: a description standing just before a registry name ("the
Maoist terrorist organization Shining Path": the name is offered, not the description), and a
phrase of member nouns that names nobody ("TERRORISTS", "URBAN GUERRILLAS", "unidentified
gunmen": who they are is what an attribution needs, and they say nothing of it). A phrase that
ends in a group noun, or an acronym, is never taken for a place ("POLICE" is also a town in
Poland, and "US" an alias of a Russian city). A name the sentence writes only after a locative
word ("in Syria", "into eastern Syria"; not "from": "drones from the U.S.-led coalition") is a
place there, not an actor; a description such as
"Europe-based" is no name.
A name is offered as written (`shown`); the actor it becomes is named without a trailing member
noun when the rest is a name ("FMLN guerrillas" -> "FMLN", "IRGC forces" -> "IRGC"; not
"Salvadoran troops" or "pro-Iranian groups"), so that one group is one actor however its members
are called. Canonical names from the registry are the normalise stage's work, not this one's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from extractor.normalise.actors import Registry, default_registry

_MINOR_WORDS = ("of", "for", "al", "el", "de", "the", "and")
_NAME = re.compile(r"(?:(?:al-|el-|the )?[A-Z][\w'’.-]*(?:\s+(?:of|for|al|el|de|the|and)\s+|\s+|-)?)+")
_NOT_NAMES = {
    "The",
    "It",
    "A",
    "An",
    "In",
    "On",
    "At",
    "But",
    "And",
    "He",
    "She",
    "They",
    "We",
    "This",
    "That",
    "There",
    "Some",
    "Another",
    "Last",
    "Both",
    "According",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Later",
    "Earlier",
    "Yesterday",
    "Today",
    "Tonight",
    "Meanwhile",
    "However",
    "Also",
    "After",
    "Before",
    "When",
    "While",
    "Since",
    "During",
    "Separately",
    "Then",
    "If",
    "As",
    "For",
    "Of",
    "By",
    "With",
    "From",
    "Its",
    "Their",
    "His",
    "Her",
    "Our",
}
# Nouns that close a group's name: what an upper-case phrase must end with to be offered.
GROUP_NOUNS = (
    r"coalition|forces|force|groups?|militias?|militiamen|army|troops|soldiers|police|government|rebels?|fighters|"
    r"guerrillas?|terrorists?|commandos?|front|movement|organi[sz]ation|cartel|brigades?|battalions?|units?|officials?|"
    r"authorities|militants?|gunmen|insurgents?|members"
)
# Nouns that name a group's members, not the group: "FMLN guerrillas" are the FMLN's.
MEMBER_NOUNS = frozenset(
    "forces troops soldiers rebels rebel fighters guerrillas guerrilla terrorists terrorist commandos commando "
    "units unit militants militant militiamen militia militias gunmen insurgents insurgent members groups group "
    "detachments detachment squads squad snipers sniper gunman".split()
)
# A state's or a group's representative: "Israel’s military chief of staff", "Iran's foreign ministry".
_ROLE = re.compile(
    r"(?:\s+[a-z]+){0,3}\s+(?:military|army|chief|ministry|minister|spokesman|spokeswoman|spokesperson|"
    r"president|government|official|officials|commander|leader|envoy|embassy|staff)\b"
)
_FOLLOWED = re.compile(
    r"(?:-(?:led|backed|based))?(?:\s+(?:" + GROUP_NOUNS + r")\b)+", re.I
)  # "-led coalition", " government forces"
_UPPER_NAME = re.compile(r"\b(?:[A-Z][A-Z.'-]+ ){0,5}(?:" + GROUP_NOUNS.upper() + r")\b")
# Words that cannot begin an upper-case name: function words, reporting verbs, numbers, quantifiers.
_NOT_UPPER = frozenset(
    """THE AND FOR WAS HAS HAD THAT THIS WITH FROM WERE ARE NOT BUT TODAY SAID ALSO WHO HIS HER THEY THEIR
    OVER INTO AFTER BEEN HAVE WILL TEXT OF BY IN TO A AN ON AT AS IS SEVERAL SOME OTHER ATTACKED KILLED REPORTED ACCUSED
    BLAMED CLAIMED DENIED AGAINST WHEN WHERE ITS TOLD ASKED SAYS STATED ANY ALL MANY MOST LEAST FEW MORE ANOTHER EACH
    ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN DOZEN HUNDRED HUNDREDS THOUSAND THOUSANDS WHICH WHILE THAN THEN
    BY BETWEEN AMONG SAME SUCH THESE THOSE OUR YOUR WE I YOU HE SHE IT OR NOR AGAINST ABOUT""".split()
)
_ADJECTIVE = re.compile(r"(?:an|ian|ese|ish|i)$")  # a nationality's adjective: "Syrian", "Iraqi", "Kurdish"
# Words after a name that show it is a noun ("Iran was", "Mali and"), not an adjective.
_VERBS_AND_LINKS = frozenset(
    """was were is are has have had said says say and or to of in on at for by from with will would
    which who that claimed denied blamed accused reported told struck attacked launched fired carried also has""".split()
)
_ADJECTIVE_ENDS = ("LY", "ED", "ING")  # "HEAVILY ARMED", "DEMORALIZED", "RETREATING": not the start of a name
# Words before a member noun that make it a description, not a name: adjectives ("Salvadoran",
# "leftist", "Islamic", "Iraqi") and institutions ("government forces" are the government's).
_NOT_A_NAME_BEFORE_MEMBERS = re.compile(
    r"(?:an|ist|ic|ese|ish|ian|ed|ing|ly|al|i)$|^(?:government|army|police|state|regime)$", re.I
)


# Member nouns and the words that describe members without naming their group, and weapons: a
# phrase of only these names nobody ("URBAN GUERRILLAS", "unidentified gunmen", "Drones").
_NAMELESS = frozenset(
    """terrorists terrorist guerrillas guerrilla members gunmen gunman militants militant assailants
    attackers insurgents fighters men individuals criminals subversives commandos commando rebels rebel killers murderers
    assassins group groups urban rural unidentified unknown armed masked hooded suspected alleged heavily several some
    the a an two three four five six seven eight nine ten dozen other presumed
    drones drone missiles missile rockets rocket mortars bombs bomb shells airstrikes warplanes jets planes helicopters""".split()
)
_ENDS_IN_GROUP_NOUN = re.compile(r"\b(?:" + GROUP_NOUNS + r")$", re.I)


_ACRONYM = re.compile(r"[A-Z][A-Z.]{1,4}")  # "US", "U.N.": an acronym is no town (a gazetteer alias may say so)
_DESCRIBING = re.compile(r"[A-Z][\w.]*-(?:based|backed|led|born|made)")  # "Europe-based": a description, no name
# Where a name is a place, not one who acts: "in Syria", "into eastern Syria", "across from Deir Ezzor".
_LOCATIVE = re.compile(
    r"\b(?:in|into|inside|across|near|throughout|toward|towards)\s+"
    r"(?:(?:the|eastern|western|northern|southern|central|northeastern|northwestern|southeastern|southwestern)\s+)?$",
    re.I,
)


def _only_as_a_place(text: str, shown: str) -> bool:
    """Whether every time the sentence writes the name, a locative word stands before it."""
    starts = [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(shown) + r"(?![\w-])", text)]
    return bool(starts) and all(_LOCATIVE.search(text[max(0, at - 40) : at]) for at in starts)


def nameless(shown: str) -> bool:
    """Whether a phrase names no group: member nouns and describing words only."""
    return all(w.casefold() in _NAMELESS for w in re.split(r"[\s-]+", shown.strip()) if w)


@dataclass(frozen=True)
class Name:
    shown: str  # as the sentence writes it: what the model is shown
    name: str  # the actor's name: `shown`, less a trailing member noun when the rest is a name


def names_in(text: str, registry: Registry | None = None, is_place: Callable[[str], bool] | None = None) -> list[Name]:
    """The names of possible actors in one sentence, in order of position, each once; a name that
    `is_place` (a town, a province: not a state, which acts) is no actor, unless the registry knows it."""
    upper = text.isupper()
    spans = [(m.start(), m.end(), True) for m in _registry_matches(text, registry or default_registry())]
    spans += [(start, end, False) for start, end in (_upper_names(text) if upper else _mixed_names(text))]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    found: list[Name] = []
    taken: list[tuple[int, int, bool]] = []
    for start, end, known in spans:
        inside = next((t for t in taken if t[0] <= start and end <= t[1]), None)
        if inside is not None:
            continue  # "FMLN" inside "FMLN GUERRILLAS": the longer is shown, the known one named
        around = [t for t in spans if t[2] and start <= t[0] and t[1] <= end and (t[0], t[1]) != (start, end)]
        shown = text[start:end]
        representative = re.search(r"[’']s\s", shown) is not None  # "Israel’s military chief": not Israel
        name = text[around[0][0] : around[0][1]] if around and not known and not representative else _actor_name(shown)
        taken.append((start, end, known))
        if not known and any(t[2] and t[0] > end and not text[end : t[0]].strip() for t in spans):
            continue  # a description just before a registry name: "the Maoist organization Shining Path"
        place = (
            not known
            and is_place is not None
            and not _ENDS_IN_GROUP_NOUN.search(name)
            and not _ACRONYM.fullmatch(name)
            and is_place(name)
        )
        if (
            len(shown) >= 2
            and all(f.shown != shown for f in found)
            and not place
            and not nameless(shown)
            and not _only_as_a_place(text, shown)
            and not _DESCRIBING.fullmatch(shown)
        ):
            found.append(Name(shown, name))
    return found


@lru_cache(maxsize=4)
def _registry_patterns(registry: Registry) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """(folded-case, as-written) alternations of every registry name and alias, longest first."""
    folded: set[str] = set()
    written: set[str] = set()
    for entry in registry.entries:
        for form in (entry.name, *entry.aliases):
            form = re.sub(r"\s*\([^)]*\)\s*$", "", form).strip()  # "National Liberation Army (Colombia)"
            if len(form) < 2:
                continue
            acronym = " " not in form and (form.isupper() or any(c.isdigit() for c in form))
            (written if acronym else folded).add(form)

    def alternation(forms: set[str], flags: int) -> re.Pattern[str] | None:
        if not forms:
            return None
        parts = (r"\s+".join(re.escape(w) for w in f.split()) for f in sorted(forms, key=len, reverse=True))
        return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", flags)

    return alternation(folded, re.I), alternation(written, 0)


def _registry_matches(text: str, registry: Registry) -> list[re.Match[str]]:
    upper = text.isupper()
    matches = []
    for pattern in _registry_patterns(registry):
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            if upper and len(m.group(0)) <= 2:
                continue  # "IS", "AA": in an upper-case text every short word looks like an acronym
            matches.append(m)
    return matches


def _mixed_names(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _NAME.finditer(text):
        start = match.start()
        words = text[start : match.end()].strip(" -.,'’").split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        while words and words[-1].lower() in _MINOR_WORDS:
            words = words[:-1]
        if not words:
            continue
        first = text.find(" ".join(words), start)
        last = first + len(" ".join(words))
        lead = (
            first - 4
            if text[max(0, first - 4) : first].lower() == "pro-"
            else first - 5
            if text[max(0, first - 5) : first].lower() == "anti-"
            else first
        )
        while len(words) > 1 and words[-1] in _NOT_NAMES:  # "Syria Sunday" -> "Syria"
            words = words[:-1]
            last = first + len(" ".join(words))
        possessive = text[last - 2 : last] in ("’s", "'s")
        tail = (_ROLE.match(text, last) if possessive else None) or _FOLLOWED.match(text, last)
        end = tail.end() if tail else last - 2 if possessive else last  # "Israel’s moves": Israel
        following = re.match(r" ([a-z]+)", text[end : end + 20])
        if (
            end == last
            and len(words) == 1
            and _ADJECTIVE.search(words[0])
            and following
            and following.group(1) not in _VERBS_AND_LINKS
        ):
            continue  # "Syrian opposition activists": an adjective, not a name
        if end - lead >= 3:
            found.append((lead, end))
    return found


def _upper_names(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _UPPER_NAME.finditer(text):
        words = match.group(0).split()
        cut = max((i + 1 for i, w in enumerate(words[:-1]) if w in _NOT_UPPER), default=0)
        words = words[cut:]  # "SEARCH OF THE FMLN GUERRILLAS" -> "FMLN GUERRILLAS"
        while (
            len(words) > 1 and words[0].endswith(_ADJECTIVE_ENDS) and not (words[0] == "ARMED" and words[1] == "FORCES")
        ):
            words = words[1:]  # "HEAVILY ARMED SOLDIERS" -> "SOLDIERS"
        shown = " ".join(words)
        start = match.start() + match.group(0).rindex(shown)
        found.append((start, start + len(shown)))
    return found


def _without_members(shown: str) -> str:
    words = shown.split()
    if len(words) < 2 or words[-1].lower() not in MEMBER_NOUNS:
        return shown
    rest = words[1:-1] if words[0].lower() == "the" else words[:-1]
    if not rest or rest[0].lower().startswith(("pro-", "anti-")):
        return shown
    if _NOT_A_NAME_BEFORE_MEMBERS.search(rest[-1].rstrip(".")) or not rest[-1][:1].isupper():
        return shown
    return " ".join(rest)


def _actor_name(shown: str) -> str:
    """The name of the actor `shown` names: a leading "the" and a trailing member noun left out."""
    name = _without_members(shown)
    return name[4:] if name.lower().startswith("the ") and len(name) > 4 else name
