"""Where an article's events happened, by the gazetteer: the country of a place name, the first of
an event's place names that is a known place, and the countries the article is about, which
decide between places of one name ("Chardara" is a district of Afghanistan and a town of
Kazakhstan). A text in capitals, whose names the parser cannot tell, is read word by word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from extractor.normalise.gazetteer import Gazetteer, fold

# Nouns of places: written after a name ("Khost district", "Kunduz city"), or heading a phrase of
# where ("in the Faqiran Kaji area").
PLACE_KINDS = frozenset(
    """area district village town city province region county governorate municipality neighbourhood neighborhood
    suburb locality valley""".split()
)
_KIND_OF_PLACE = re.compile(rf"\s+(?:{'|'.join(sorted(PLACE_KINDS))})$", re.I)


class Places:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def country(self, name: str) -> str | None:
        """The country a place name is in (a country's name is its own), for a place the gazetteer
        knows under exactly that name: a near spelling may be a town elsewhere ("Khorasan")."""
        code = self.gazetteer.country_code_of(name)
        if code:
            return code
        place = self.gazetteer.lookup(name)
        return place.country_code if place is not None and fold(place.name) == fold(name) else None

    def is_place(self, name: str) -> bool:
        """A town or a province: no actor (a state is one)."""
        place = self.gazetteer.lookup(name)
        return place is not None and place.kind != "country"

    def countries(self, names: Iterable[str]) -> list[str]:
        """The countries an article's place names are in, most named first: a country's name, or
        a place the gazetteer knows under exactly that name."""
        votes: Counter[str] = Counter()
        for name in names:
            code = self.gazetteer.country_code_of(name)
            place = None if code else self.gazetteer.lookup(name)
            if place is not None and fold(place.name) == fold(name):
                code = place.country_code
            if code:
                votes[code] += 1
        return [code for code, _ in votes.most_common()]

    def first(self, names: Sequence[str], prefer: Sequence[str] = ()) -> tuple[str, str] | None:
        """(name, country name) of the first name that is a known place: in a country the article
        is about, else anywhere under exactly that name (less a kind of place after it: "Khost
        district" is Khost's)."""
        for name in names:
            code = self.gazetteer.country_code_of(name)
            if code:
                return name, self.gazetteer.country_name(code) or code
            for country in prefer:
                if self.gazetteer.lookup(name, country) is not None:
                    return name, self.gazetteer.country_name(country) or country
            place = self.gazetteer.lookup(name)
            if place is not None and fold(place.name) == fold(_KIND_OF_PLACE.sub("", name)):
                return name, self.gazetteer.country_name(place.country_code) or place.country_code
        return None

    def scan(self, text: str) -> tuple[str, str] | None:
        """The place a text in capitals names, read word by word: a country's name first, else the
        first town of a country the text names, else a dateline's town ("SAN SALVADOR, 10 JAN 90")."""
        words = re.findall(r"[^\W\d_][\w'’-]*", text)
        countries: list[str] = []
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                phrase = " ".join(words[i : i + n])
                if len(phrase) <= 3:
                    continue  # "US", "AD": a pronoun or a word in capitals, not a country's code
                code = self.gazetteer.country_code_of(phrase)
                if code and code not in countries:
                    countries.append(code)
        for start, end, place in self.gazetteer.places_in(text.title() if text.isupper() else text):
            if place.country_code in countries or re.match(r"\s*,\s*\d", text[end : end + 6]):
                return text[start:end], self.gazetteer.country_name(place.country_code) or place.country_code
        if countries:
            name = self.gazetteer.country_name(countries[0]) or countries[0]
            return name, name
        return None
