"""Canonical places for incident locations, from the offline gazetteer.

For each incident the location's name is looked up in the incident's country:
  * a country's name -> precision country, no coordinates (a point would claim too much);
  * a city or town -> its GeoNames name in plain letters, admin1, coordinates; precision stays
    place or near as the model said (region or country become near: the text names a town);
  * a first-level division (or a city's name with "province"/"governorate" by it) -> the
    division, precision region, at the coordinates of its largest city (ACLED's rule for
    region precision: the provincial capital);
  * a facility or area the gazetteer lacks ("Al-Omar oil field") keeps its name and takes the
    admin1 and coordinates of the nearest place the text gives: the first gazetteer name in the
    location's own words, then in its evidence quotes, then in the article's sentences that
    mention it, nearest to the mention. Precision near for a town, region for a division (or a
    name that is both: "in Deir ez-Zor" may mean either). The warning names the place used.
Every change of name and every place left unresolved is noted in `warnings`.
"""

from __future__ import annotations

import functools

from extractor.articles.sentences import find_all, sentence_at
from extractor.normalise.gazetteer import REGION_WORDS, Gazetteer, Place, fold
from extractor.schema import ArticleExtraction, Incident, Location, warning
from extractor.taxonomy import UNKNOWN_COUNTRY, WarningCode


def resolve_places(doc: ArticleExtraction, article_text: str, gazetteer: Gazetteer) -> ArticleExtraction:
    """A copy of `doc` whose incident locations carry canonical names and coordinates."""
    warnings = list(doc.warnings)
    incidents = []
    for incident in doc.incidents:
        location, notes = resolve_location(incident, article_text, gazetteer)
        incidents.append(incident.model_copy(update={"location": location}))
        warnings += [warning(code, f"{incident.id}: {note}", incident.id) for code, note in notes]
    return doc.model_copy(update={"incidents": incidents, "warnings": warnings})


Note = tuple[WarningCode, str]  # what was done, and its sentence


def resolve_location(incident: Incident, article_text: str, gazetteer: Gazetteer) -> tuple[Location, list[Note]]:
    """The canonical location of one incident, and notes on what was done (none when nothing changed)."""
    loc = incident.location
    code, country_note = _country_code(loc, gazetteer, article_text)
    location, note = _resolve_location(incident, loc.model_copy(update={"country_code": code}), article_text, gazetteer)
    return location, [n for n in (country_note, note) if n is not None]


def _resolve_location(
    incident: Incident, loc: Location, article_text: str, gazetteer: Gazetteer
) -> tuple[Location, Note | None]:
    code = loc.country_code
    base = loc.model_copy(update={"country_code": code, "country": gazetteer.country_name(code) or loc.country})
    region_hint = loc.precision == "region" or bool(REGION_WORDS.search(f"{loc.name} {loc.text or ''}"))

    if gazetteer.country_code_of(loc.name) == code:  # "Lebanon" the country, not Lebanon, Tennessee
        return base.model_copy(
            update={
                "name": gazetteer.country_name(code),
                "admin1": None,
                "latitude": None,
                "longitude": None,
                "precision": "country",
            }
        ), None

    place = gazetteer.lookup(loc.name, code, region=region_hint)
    if place is not None and place.kind != "country":
        if place.kind == "admin1":
            precision = "region"
        else:
            precision = loc.precision if loc.precision in ("place", "near") else "near"
        moved = _located(base, place, gazetteer, precision)
        same = fold(place.name) == fold(loc.name)
        return moved, None if same else (
            WarningCode.PLACE_RENAMED,
            f'location "{loc.name}" is the gazetteer\'s "{place.name}"',
        )

    near = nearest_named_place(incident, article_text, gazetteer, code)
    if near is None:
        return base, (
            WarningCode.PLACE_UNKNOWN,
            f'location "{loc.name}" is not in the gazetteer and the text names no known place near it',
        )
    place, both = near
    precision = "region" if place.kind == "admin1" or both else "near"
    if both:
        place = gazetteer.lookup(place.name, code, region=True) or place
    # The facility keeps its own name (as gold does); the place gives admin1 and coordinates.
    moved = _located(base, place, gazetteer, precision).model_copy(update={"name": loc.name})
    where = "in the region of" if precision == "region" else "near"
    return moved, (
        WarningCode.PLACE_NEAR,
        f'location "{loc.name}" is not in the gazetteer; placed {where} {place.name}, the nearest place the text names',
    )


def nearest_named_place(
    incident: Incident, article_text: str, gazetteer: Gazetteer, country_code: str | None
) -> tuple[Place, bool] | None:
    """The place the text names closest to the incident's location words, and whether that name
    is both a town and its division. Windows are read in order: the location's own name and
    text, the evidence quotes, then the sentences of the article that mention the location."""
    loc = incident.location
    windows: list[tuple[str, int]] = [(loc.name, 0)]
    if loc.text:
        windows.append((loc.text, 0))
    for span in incident.evidence:
        windows.append((span.quote, _offset(span.quote, _mention(loc))))
    for phrase in filter(None, (loc.text, loc.name, _mention(loc))):
        for at in find_all(article_text, phrase):
            start, end = sentence_at(article_text, at, at + len(phrase))
            windows.append((article_text[start:end], at - start))
    for window, anchor in windows:
        hits = gazetteer.places_in(window, country_code)
        if hits:
            start, end, place = min(hits, key=lambda h: min(abs(h[0] - anchor), abs(h[1] - anchor)))
            both = any(p.kind == "admin1" for p in gazetteer.candidates(window[start:end], country_code))
            return place, both and place.kind == "city"
    return None


def _located(base: Location, place: Place, gazetteer: Gazetteer, precision: str) -> Location:
    return base.model_copy(
        update={
            "name": place.name,
            "admin1": gazetteer.admin1_name(place),
            "latitude": place.latitude,
            "longitude": place.longitude,
            "precision": precision,
        }
    )


def _country_code(loc: Location, gazetteer: Gazetteer, article_text: str = "") -> tuple[str, Note | None]:
    """The location's ISO code, computed rather than taken from the model, and a note when it
    differs from the model's. A location that is itself a country is in that country ("Syria" given
    with country "Iran"). When the country's name and the code disagree, the one in which the
    gazetteer has the place decides, else the name (a small model copies codes from examples). A
    place the gazetteer knows elsewhere, where the country given is never named in the article and
    does not have the place, decides over both (an incident in Santiago given as "Syria"), and so
    does any place it knows when neither the name nor the code is a country."""
    given = loc.country_code
    valid = given if gazetteer.country_name(given) else None
    named = gazetteer.country_code_of(loc.name) or gazetteer.country_code_of(
        loc.country
    )  # a place that is a country is in it

    def holds(code: str | None) -> bool:
        return code is not None and bool(gazetteer.candidates(loc.name, code))

    code: str | None
    if named and valid and named != valid:  # the name and the code disagree: the one that has the place
        code = valid if holds(valid) and not holds(named) else named
    else:
        code = named or valid
    if code is None or (
        article_text and not _named(gazetteer.country_name(code) or loc.country, article_text) and not holds(code)
    ):
        place = gazetteer.lookup(loc.name)
        if place is not None and place.kind != "country" and (code is None or _named(loc.name, article_text)):
            code = place.country_code
    code = code or given
    if code == given or given == UNKNOWN_COUNTRY and code is not None:  # a code the model was not asked for is no news
        return code, None
    return code, (
        WarningCode.COUNTRY_CODE_REPLACED,
        f'country code {given} ("{loc.country}") from the model replaced by {code}, {gazetteer.country_name(code)}',
    )


def _named(name: str, text: str) -> bool:
    return bool(name) and f" {fold(name)} " in _folded(text)


@functools.lru_cache(maxsize=8)
def _folded(text: str) -> str:
    # Asked once or twice per incident about the same article: fold it once.
    return f" {fold(text)} "


def _mention(loc: Location) -> str:
    """The distinctive words of a facility's name ("Al-Omar oil field" -> "Omar"), to find it
    in sentences that spell it differently ("the Omar oil fields")."""
    words = [w for w in loc.name.replace("-", " ").split() if w[:1].isupper() and fold(w) not in ("al", "el", "the")]
    return words[0] if words else loc.name


def _offset(window: str, phrase: str) -> int:
    at = find_all(window, phrase)
    return at[0] if at else 0
