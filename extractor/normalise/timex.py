"""Time expressions resolved against the publication date.

`resolve_expression(text, published)` finds the time expressions in a phrase and resolves the
one that dates the event; `extractor.normalise.dates.resolve_dates` applies that to every incident.

Rules (own rules where dateparser's answer is not the contract's; dateparser for the rest):
  * weekday ("Sunday night", "on Monday", "late Tuesday"): the most recent such day on or
    before publication, so "Sunday night" in a Sunday paper is that Sunday ("last Monday" skips
    the publication day itself); precision day;
  * today / tonight / this morning -> publication day; yesterday -> the day before; last night
    and overnight -> both days;
  * last week / month / year -> the previous calendar week (Mon-Sun), month or year; earlier
    this week / month / year -> from its start to publication;
  * a month without a day ("in November", "the November strike") -> the most recent such month
    not after publication, precision month; with a year ("November 2022") that month;
  * a day and month ("June 27", "27 June 2021", "the evening of June 28"), ISO or numeric dates,
    "three days ago", "in 2021": parsed by dateparser (the most recent such date on or before
    publication when no year is given), precision from the period dateparser reports;
  * "hours after" / "18 hours after" / "two days before" another event: relative to that
    incident's date (see `resolve_dates`), spanning the day before and the day itself when
    hours may cross midnight.
When a phrase holds several expressions, one that opens the sentence as a frame ("Last month,
X said that ... in November") yields to the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import cast

from extractor.taxonomy import DatePrecision

D = dt.timedelta
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MON = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_NUMBER = r"\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|few|several|some|\d+-?\d*"
NUMBER_WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}
NUMBER_WORDS.update({"a": 1, "an": 1})

_PATTERNS = [
    ("yesterday", r"\b(?:the day before yesterday|yesterday|last night|overnight)\b"),
    (
        "relative",
        r"\b(?:(?:roughly|about|around|some|nearly|almost|just|only|barely|at least|more than|less than)\s+)?"
        rf"(?:({_NUMBER})\s+)?(hours?|days?|weeks?)\s+(after|before)\b",
    ),
    ("explicit", rf"\b(?:{_DAY}\s+(?:of\s+)?{_MON}(?:,?\s+\d{{4}})?|{_MON}\s+{_DAY}\b(?:,?\s+\d{{4}})?)"),
    ("explicit", r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{4}\b"),
    ("ago", rf"\b(?:{_NUMBER})\s+(?:days?|weeks?|months?|years?)\s+ago\b"),
    (
        "weekday",
        r"\b(?:(?:on|early|late)\s+)?(?:(last|this past|past)\s+)?(monday|tuesday|wednesday|thursday|friday|"
        r"saturday|sunday)(?:'s)?(?:\s+(?:night|evening|morning|afternoon))?\b",
    ),
    ("today", r"\b(?:earlier\s+)?(?:today|tonight|this (?:morning|afternoon|evening))\b"),
    ("calendar", r"\b(last|earlier this|this|past)\s+(week(?:end)?|month|year)\b"),
    (
        "month",
        r"\b(?:(?:in|since|during|of|early|late|mid|last|this past)[\s-]+)?"
        rf"({'|'.join(MONTHS)})(?:\s+(\d{{4}}))?\b",
    ),
    ("year", r"\b(?:in|since|during)\s+(\d{4})\b"),
]
_COMPILED = [(kind, re.compile(p, re.I)) for kind, p in _PATTERNS]
_RELATIVE, _MONTH = (dict(_COMPILED)[kind] for kind in ("relative", "month"))


@dataclass(frozen=True)
class Resolved:
    start: dt.date
    end: dt.date
    precision: DatePrecision
    words: str  # the expression it was resolved from


@dataclass(frozen=True)
class Relative:
    """'N hours after' an event: this many whole days (min, max) away from it."""

    days: tuple[int, int]
    after: bool  # "after" (the event named next is earlier) or "before"
    words: str


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str
    words: str


def find_expressions(text: str) -> list[Found]:
    """Time expressions in `text`, in order. Patterns are tried in the order of _PATTERNS and
    words already taken by an earlier pattern are not matched again."""
    found: list[Found] = []
    for kind, pattern in _COMPILED:
        for m in pattern.finditer(text):
            if kind == "month" and not _real_month(text, m):
                continue
            if any(f.start <= m.start() < f.end or m.start() <= f.start < m.end() for f in found):
                continue  # an earlier, more specific pattern already took these words
            found.append(Found(m.start(), m.end(), kind, m.group()))
    return sorted(found, key=lambda f: f.start)


def choose(found: list[Found], text: str, near: int | None = None) -> Found | None:
    """The expression that dates the event: not a sentence-opening frame when there is another,
    and the one nearest `near` (an offset in `text`) when given."""
    if not found:
        return None
    framed = [
        f
        for f in found
        if re.fullmatch(r"[\s\"“]*", text[max(0, text.rfind(".", 0, f.start) + 1) : f.start])
        and text[f.end : f.end + 1] == ","
    ]
    kept = [f for f in found if f not in framed] or found
    if near is None:
        return kept[0]
    return min(kept, key=lambda f: 0 if f.start <= near < f.end else min(abs(f.start - near), abs(f.end - near)))


def resolve_expression(text: str, published: dt.date | None) -> Resolved | None:
    """The date of the first expression in `text` that can be resolved against `published`."""
    for found in ranked(find_expressions(text), text):
        if found.kind != "relative":
            resolved = resolve_found(found, published)
            if resolved is not None:
                return resolved
    return None


def ranked(found: list[Found], text: str, near: int | None = None) -> list[Found]:
    """The chosen expression first (see `choose`), then the others in order, to fall back on."""
    first = choose(found, text, near)
    return [first, *(f for f in found if f is not first)] if first else []


def relative(found: Found) -> Relative | None:
    """The day offsets of a 'N hours/days/weeks after|before' expression, when they are known."""
    m = _RELATIVE.fullmatch(found.words)
    if m is None:
        return None
    count, unit, direction = (m.group(1) or "").lower(), m.group(2).lower(), m.group(3).lower()
    n = int(count) if count.isdigit() else NUMBER_WORDS.get(count)
    if unit.startswith("hour"):
        days = (0, 1) if n is None or n < 24 else (n // 24, -(-n // 24))
    elif n is None:
        return None  # "days after": too vague to date
    else:
        days = (n, n) if unit.startswith("day") else (7 * n - 3, 7 * n + 3)
    return Relative(days, direction == "after", found.words)


def resolve_found(found: Found, published: dt.date | None) -> Resolved | None:
    words, low = found.words, found.words.lower()
    if found.kind == "explicit" or (found.kind == "year") or (published and found.kind == "ago"):
        return _dateparser(words, published)
    if published is None:
        return None
    p = published
    if found.kind == "weekday":
        target = next(i for i, d in enumerate(WEEKDAYS) if d in low)
        back = (p.weekday() - target) % 7
        if back == 0 and re.search(r"\b(last|past)\s", low):
            back = 7
        return Resolved(p - D(back), p - D(back), "day", words)
    if found.kind == "today":
        return Resolved(p, p, "day", words)
    if found.kind == "yesterday":
        if "before yesterday" in low:
            return Resolved(p - D(2), p - D(2), "day", words)
        return Resolved(p - D(1), p - D(1) if low == "yesterday" else p, "day", words)
    if found.kind == "calendar":
        return _calendar(low, p, words)
    if found.kind == "month":
        m = _MONTH.search(words)
        assert m is not None  # the expression was found by this pattern
        month = MONTHS.index(m.group(1).lower()) + 1
        year = int(m.group(2)) if m.group(2) else (p.year if month <= p.month else p.year - 1)
        if re.match(r"(last|this past)\b", low) and month == p.month and not m.group(2):
            year -= 1
        start = dt.date(year, month, 1)
        end = min(month_end(start), p)
        return Resolved(start, end, "month", words) if start <= p else None
    return None


def _calendar(low: str, p: dt.date, words: str) -> Resolved:
    unit = low.split()[-1]
    previous = low.startswith("last") or low.startswith("past")
    if unit == "weekend":
        saturday = p - D((p.weekday() - 5) % 7)
        if previous and p.weekday() >= 5:
            saturday -= D(7)
        return Resolved(saturday, min(saturday + D(1), p), "week", words)
    if unit == "week":
        monday = p - D(p.weekday())
        return Resolved(monday - D(7), monday - D(1), "week", words) if previous else Resolved(monday, p, "week", words)
    if unit == "month":
        first = p.replace(day=1)
        if previous:
            before = (first - D(1)).replace(day=1)
            return Resolved(before, first - D(1), "month", words)
        return Resolved(first, p, "month", words)
    first = p.replace(month=1, day=1)
    if previous:
        return Resolved(first.replace(year=p.year - 1), first - D(1), "year", words)
    return Resolved(first, p, "year", words)


def _dateparser(words: str, published: dt.date | None) -> Resolved | None:
    text = re.sub(r"^(?:in|since|during)\s+", "", words.strip(), flags=re.I)
    base = dt.datetime.combine(published or dt.date.today(), dt.time(12))
    data = _parser_for(base).get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    day, period = data.date_obj.date(), data.period or "day"
    has_year = bool(re.search(r"\d{4}", words))
    if published is None and not has_year:
        return None
    if published and not has_year and day > published and period == "day":
        day = day.replace(year=day.year - 1)  # "June 28" in a January paper: last June
    if period == "year":
        start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    elif period == "month":
        start, end = day.replace(day=1), month_end(day)
    elif period == "week":
        start, end = day - D(3), day + D(3)
    else:
        start = end = day
    if published:
        end = min(end, published)
        if start > end:
            return None
    precision = cast(DatePrecision, period if period in ("day", "week", "month", "year") else "day")
    return Resolved(start, end, precision, words)


@functools.lru_cache(maxsize=64)
def _parser_for(base: dt.datetime):
    # Imported here: dateparser costs ~0.2 s to import and warm up, paid only when a calendar
    # date is met. One parser per publication date (RELATIVE_BASE is a parser setting).
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": False}
    )


def month_end(day: dt.date) -> dt.date:
    following = day.replace(day=28) + D(4)
    return following - D(following.day)


def _real_month(text: str, m: re.Match) -> bool:
    """A month name that is a month: capitalised, and 'May'/'March' only with a date-ish word."""
    name = m.group(1)
    if not name[0].isupper():
        return False
    if name.lower() in ("may", "march") and m.group(0) == name and not m.group(2):
        return False
    return True
