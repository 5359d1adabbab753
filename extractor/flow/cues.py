"""Attribution cues: the words that say who is behind an incident, found by code. Pure logic.

Most of what an attribution needs is on the text's surface. For each incident, the sentences that
speak of it (those its evidence cites, the one just before, and the next ones up to the next
incident's evidence) are
scanned with the lexicon below; each sentence holding a cue becomes a `Candidate` with the kind
the cue proposes and the hedge words it holds. A model then only answers small questions about a
candidate (`extractor.flow.attribute`): who is said to be behind it, and who says so.

The lexicon (case-insensitive, whole words; the first kind that matches wins, in this order):
  * unknown: statements of ignorance: "not (immediately) clear who", "no group (has) claimed",
    "unknown/unidentified attackers/gunmen/assailants", "not known who";
  * claimed: "claimed/claims/took/accepted/assumed responsibility", "claimed the attack",
    "admitted";
  * denied: "denied/denies/deny", "rejected responsibility/accusations", "not involved";
  * alleged: blaming, accusing, suspecting, assessing: "blamed", "accused", "suspected",
    "allegedly", "alleged", "presumably", "presumed", "believed to", "attributed to", "held
    responsible", "behind the attack" said by someone, "strongly suggested", "appear(ed) to have
    been" ("linked to" is not one: "the attack was linked to airstrikes" ties two events, and
    "militants linked to al-Qaeda" describes an actor);
  * reported: reporting words: "said", "says", "reported", "reports", "according to", "told", "stated",
    "announced", "confirmed", "tweeted", "quoted"; and an act's agent, "killed ... by", "carried
    out by", "attacked by" (a few words apart), and an act in the active voice ("shelled",
    "ambushed", "opened fire"): both say who did it in the article's voice.
Hedge words (hedged = any is in the evidence): "appear(s/ed) to", "apparently", "suggest(ed)",
"allegedly", "alleged", "ostensibly", "believed", "reportedly", "possibly", "probably", "likely", "may have", "might have",
"presumably", "presumed", "suspected", "it is thought".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractor.articles.sentences import Sentence

# An act and its agent: "killed this week by", "carried out by", "were attacked by".
_AGENT = (
    r"(?:killed|murdered|assassinated|attacked|ambushed|kidnapped|abducted|shot|bombed|executed|massacred|wounded|"
    r"injured|destroyed|burned|carried out|perpetrated|committed|staged|launched|planted|set off|claimed)(?:\s+[\w,'’-]+){0,4}?\s+by"
)
# An act told in the article's own voice, active: "THE ARMED FORCES HAS BEEN SHELLING", "rebels
# ambushed a patrol" (passives, "was attacked", are left to _AGENT, which needs the "by").
_ACT = (
    r"(?<!was )(?<!were )(?<!been )(?<!being )(?<!be )(?:attacked|shelled|bombed|strafed|ambushed|kidnapped|abducted|raided|"
    r"assassinated|massacred|detonated|opened fire|fired (?:on|at)|been (?:attacking|shelling|bombing|strafing))"
)
KINDS = ("unknown", "claimed", "denied", "alleged", "reported")
LEXICON: dict[str, tuple[str, ...]] = {
    "unknown": (
        r"not (?:immediately )?clear who",
        r"no (?:group|one|organi[sz]ation) (?:has |had )?(?:yet )?claimed",
        r"(?:unknown|unidentified) (?:attackers|gunmen|assailants|men|individuals|armed men)",
        r"not known who",
        r"nobody (?:has )?claimed",
        r"no claim of responsibility",
    ),
    "claimed": (
        r"(?:claimed|claims|claiming|took|takes|accepted|assumed|claim) (?:the )?responsibility",
        r"claimed (?:the|that|it)",
        r"admitted",
        r"admits",
    ),
    "denied": (r"denied", r"denies", r"deny", r"rejected (?:responsibility|the accusations?|claims)", r"not involved"),
    "alleged": (
        r"blamed",
        r"blames",
        r"accused",
        r"accuses",
        r"suspected",
        r"allegedly",
        r"alleged",
        r"presumably",
        r"presumed",
        r"believed to",
        r"attributed (?:it |the \w+ )?to",
        r"held (?:\w+ )?responsible",
        r"strongly suggested",
        r"appears? to have been",
        r"appeared to have been",
        r"behind the (?:attack|strike|bombing|blast|explosion|killing|assault)",
    ),
    "reported": (
        r"said",
        r"says",
        r"reported",
        r"reports",
        r"according to",
        r"told",
        r"stated",
        r"announced",
        r"confirmed",
        r"tweeted",
        r"quoted",
        _AGENT,
        _ACT,
    ),
}
HEDGES = (
    r"appears? to",
    r"appeared to",
    r"apparently",
    r"suggest(?:s|ed)?",
    r"alleged(?:ly)?",
    r"presum(?:ably|ed)",
    r"ostensibly",
    r"believed",
    r"reportedly",
    r"possibly",
    r"probably",
    r"likely",
    r"may have",
    r"might have",
    r"suspected",
    r"it is thought",
)
_PATTERNS = {kind: re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I) for kind, words in LEXICON.items()}
_HEDGE = re.compile(r"\b(?:" + "|".join(HEDGES) + r")\b", re.I)
# Verbs of speech: the name just before one (or just after "according to") says what the sentence
# reports (`extractor.flow.attribute.speaker`).
SPEECH = re.compile(
    r"\b(?:said|says|say|reported|reports|told|stated|announced|confirmed|tweeted|claimed|claims|denied|denies|"
    r"blamed|blames|accused|accuses|suggested|hinted|alleged|charged|added|according to)\b",
    re.I,
)
# Sentences after an incident's last cited one that may still speak of it.
FOLLOWING = 5
# How far before its first cited sentence an incident's own may be: the 1.5B model often cites the
# sentence after the one that tells the event ("HINOSTROZA WAS SHOT FIVE TIMES" for "ALLEGED
# TERRORISTS TODAY KILLED DOLORES HINOSTROZA").
PRECEDING = 1


@dataclass(frozen=True)
class Candidate:
    """A sentence that may say who is behind an incident."""

    incident_id: str
    sentence: Sentence
    kind: str  # the kind the cue proposes
    cue: str  # the cue's words as written
    hedges: tuple[str, ...]  # hedge words in the sentence, as written


def cue_of(text: str) -> tuple[str, str] | None:
    """(kind, the cue's words) of the first matching kind in KINDS order, or None."""
    for kind in KINDS:
        match = _PATTERNS[kind].search(text)
        if match:
            return kind, match.group(0)
    return None


def hedges_in(text: str) -> tuple[str, ...]:
    return tuple(m.group(0) for m in _HEDGE.finditer(text))


def candidates(incidents: Sequence[tuple[str, Sequence[int]]], sentences: Sequence[Sentence]) -> list[Candidate]:
    """Candidates for incidents given as (id, numbers of the sentences its evidence covers), in
    order of appearance. A sentence goes to the incident whose evidence it is, else to the nearest
    incident before it (at most FOLLOWING sentences after that incident's evidence), else to the
    incident whose evidence it just precedes (PRECEDING)."""
    owner: dict[int, str] = {}
    for incident_id, numbers in incidents:
        for n in numbers:
            owner.setdefault(n, incident_id)
    cited = sorted(owner)
    for incident_id, numbers in incidents:
        if not numbers:
            continue
        for n in range(max(numbers) + 1, max(numbers) + 1 + FOLLOWING):
            if n in owner or any(c > max(numbers) and c <= n for c in cited):
                break  # another incident's evidence comes first
            owner[n] = incident_id
    for incident_id, numbers in incidents:  # a small model often cites the sentence after the event's own
        before = min(numbers, default=0) - PRECEDING
        if before >= 1:
            owner.setdefault(before, incident_id)
    found = []
    for sentence in sentences:
        incident_id = owner.get(sentence.number)
        cue = cue_of(sentence.shown) if incident_id else None
        if cue:
            found.append(Candidate(incident_id, sentence, cue[0], cue[1], hedges_in(sentence.shown)))  # type: ignore[arg-type]
    return found
