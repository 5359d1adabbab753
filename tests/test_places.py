"""The offline gazetteer: transliteration variants meet at one place; locations resolved."""

from __future__ import annotations

import pytest

from extractor.normalise.gazetteer import Gazetteer, Place, default_gazetteer, load_admin1_table, name_keys
from extractor.normalise.places import resolve_places
from extractor.schema import warning
from extractor.taxonomy import WarningCode
from support.normalise_fixtures import OILFIELD_TEXT, make_doc, oilfield_document


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


VARIANTS = [
    # spelling variants met in the articles, each group one GeoNames place: (name, country, geonameid, lat, lon)
    (["Boukamal", "Albukamal", "Abu Kamal", "Al-Bukamal", "Albu Kamal"], "SY", 174448, 34.45, 40.92),
    (["Deir ez-Zor", "Deir el-Zour", "Deir Ezzor", "Deir al-Zour", "Dayr az Zawr"], "SY", 170794, 35.34, 40.14),
    (["Al-Mayadin", "Mayadin", "Al Mayadin", "Al-Mayadeen"], "SY", None, 35.02, 40.45),
    (["Isfahan", "Esfahan", "Ispahan"], "IR", None, 32.65, 51.67),
]


@pytest.mark.parametrize(("names", "country", "geonameid", "lat", "lon"), VARIANTS)
def test_variants_meet_at_one_place(gazetteer, names, country, geonameid, lat, lon):
    places = {name: gazetteer.lookup(name, country) for name in names}
    assert all(p is not None and p.kind == "city" for p in places.values()), places
    assert len({p.geonameid for p in places.values()}) == 1
    place = next(iter(places.values()))
    assert place.latitude == pytest.approx(lat, abs=0.01) and place.longitude == pytest.approx(lon, abs=0.01)
    if geonameid:
        assert place.geonameid == geonameid


def test_variants_also_meet_without_a_country(gazetteer):
    assert gazetteer.lookup("Boukamal").geonameid == gazetteer.lookup("Albukamal").geonameid == 174448


def test_close_spellings_only_match_inside_the_country(gazetteer):
    assert gazetteer.lookup("Deir el-Zour", "IR") is None


def test_admin1_names(gazetteer):
    assert gazetteer.admin1_name(gazetteer.lookup("Boukamal", "SY")) == "Deir ez-Zor"
    assert gazetteer.admin1_name(gazetteer.lookup("Isfahan", "IR")) == "Isfahan"
    province = gazetteer.lookup("Deir el-Zour province", "SY", region=True)
    assert province.kind == "admin1" and province.name == "Deir ez-Zor"


def test_name_keys_drop_articles_and_vowel_spellings():
    assert name_keys("Boukamal") & name_keys("Al-Bukamal")
    assert name_keys("Albukamal") & name_keys("Albu Kamal")
    assert name_keys("Deir Ezzor") & name_keys("Deir ez-Zor")
    assert not name_keys("Homs") & name_keys("Hama")


def test_places_named_in_a_sentence(gazetteer):
    text = "Pro-Iranian militias operate in Syria from Albukamal on the Iraq border to Deir Ezzor and then to Damascus."
    names = [place.name for _, _, place in gazetteer.places_in(text, "SY")]
    assert names == ["Albu Kamal", "Deir ez-Zor", "Damascus"]


def test_gold_oilfield_places(gazetteer):
    doc = resolve_places(oilfield_document(), OILFIELD_TEXT, gazetteer)
    locations = {i.id: i.location for i in doc.incidents}
    omar = locations["I1"]  # "Al-Omar oil field": not in the gazetteer, placed by the text's "Deir Ezzor"
    assert (omar.name, omar.admin1, omar.precision) == ("Al-Omar oil field", "Deir ez-Zor", "region")
    assert omar.latitude == pytest.approx(35.34, abs=0.01)
    assert (locations["I2"].name, locations["I2"].precision) == ("Albu Kamal", "near")
    assert locations["I2"].latitude == pytest.approx(34.45, abs=0.01)
    assert (locations["I3"].name, locations["I3"].admin1) == ("Al Mayadin", "Deir ez-Zor")
    assert any("Al-Omar oil field" in w.message and "Deir ez-Zor" in w.message for w in doc.warnings)


def test_country_name_is_country_precision_without_a_point(gazetteer):
    # An answer the embedded 0.5B model gave on the oil-field article: location "Syria", country "SY".
    doc = make_doc(
        "oilfield",
        OILFIELD_TEXT,
        "2021-06-28",
        [
            {
                "quote": OILFIELD_TEXT.split(".")[0].strip()[:80],
                "location": {
                    "name": "Syria",
                    "country": "Syria",
                    "country_code": "SY",
                    "admin1": None,
                    "precision": "country",
                },
            }
        ],
    )
    location = resolve_places(doc, OILFIELD_TEXT, gazetteer).incidents[0].location
    assert (location.name, location.country, location.precision) == ("Syria", "Syria", "country")
    assert location.latitude is None


def test_a_country_that_shares_its_name_with_towns(gazetteer):
    text = "An Israeli strike hit southern Lebanon."
    doc = make_doc(
        "x",
        text,
        "2023-01-29",
        [
            {
                "quote": "An Israeli strike hit southern Lebanon",
                "location": {
                    "name": "Lebanon",
                    "country": "Lebanon",
                    "country_code": "LB",
                    "admin1": None,
                    "precision": "country",
                },
            }
        ],
    )
    location = resolve_places(doc, text, gazetteer).incidents[0].location
    assert (location.name, location.precision, location.latitude) == ("Lebanon", "country", None)


def test_unknown_place_without_a_named_neighbour_is_kept_with_a_warning(gazetteer):
    text = "A bomb hit the Zzyzx compound, officials said."
    doc = make_doc(
        "x",
        text,
        "2023-01-29",
        [
            {
                "quote": "A bomb hit the Zzyzx compound",
                "location": {"name": "Zzyzx compound", "latitude": None, "longitude": None},
            }
        ],
    )
    out = resolve_places(doc, text, gazetteer)
    assert out.incidents[0].location == doc.incidents[0].location
    assert out.warnings == [
        warning(
            WarningCode.PLACE_UNKNOWN,
            'I1: location "Zzyzx compound" is not in the gazetteer and the text names no known place near it',
            "I1",
        )
    ]


def test_facility_near_a_town_is_precision_near(gazetteer):
    text = "A drone hit the T-2 pumping station near Albukamal on Friday."
    doc = make_doc(
        "x",
        text,
        "2023-01-29",
        [
            {
                "quote": "A drone hit the T-2 pumping station",
                "location": {"name": "T-2 pumping station", "precision": "place"},
            }
        ],
    )
    location = resolve_places(doc, text, gazetteer).incidents[0].location
    assert (location.name, location.precision, location.admin1) == ("T-2 pumping station", "near", "Deir ez-Zor")
    assert location.latitude == pytest.approx(34.45, abs=0.01)


def test_user_geonames_dump_gives_finer_places(tmp_path):
    # Two rows in allCountries.txt layout: a village and an oil field the packaged data lacks.
    rows = [
        [
            "1",
            "Al Mayādīn",
            "Al Mayadin",
            "Mayadin,Al-Mayadeen",
            "35.01982",
            "40.45154",
            "P",
            "PPLA2",
            "SY",
            "",
            "07",
            "",
            "",
            "",
            "54534",
            "",
            "",
            "Asia/Damascus",
            "2023-01-01",
        ],
        [
            "2",
            "Ḩaql al ‘Umar",
            "Haql al `Umar",
            "Al-Omar oil field,Omar oil field",
            "35.08",
            "40.55",
            "L",
            "OILF",
            "SY",
            "",
            "07",
            "",
            "",
            "",
            "0",
            "",
            "",
            "Asia/Damascus",
            "2023-01-01",
        ],
    ]
    dump = tmp_path / "SY.txt"
    dump.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    codes = tmp_path / "admin1CodesASCII.txt"
    codes.write_text("SY.07\tDeir ez-Zor\tDeir ez-Zor\t170792\n", encoding="utf-8")
    g = Gazetteer()
    g.countries["SY"] = "Syria"
    g.add(Place("Syria", "country", "SY"), ["Syria"])
    g.add_admin1_codes(codes)
    assert g.add_geonames_dump(dump) == 2
    field = g.lookup("Al-Omar oil field", "SY")
    assert (field.name, field.latitude, g.admin1_name(field)) == ("Haql al Umar", 35.08, "Deir ez-Zor")
    doc = resolve_places(oilfield_document(), OILFIELD_TEXT, g)
    omar = doc.incidents[0].location
    assert (omar.name, omar.precision, omar.latitude) == ("Haql al Umar", "near", 35.08)


def test_shipped_admin1_table_covers_the_region():
    table = {code: name for code, name, _ in load_admin1_table()}
    assert table["SY.07"] == "Deir ez-Zor" and table["IR.28"] == "Isfahan" and table["IQ.07"] == "Baghdad"
    assert len(table) > 3000


@pytest.mark.parametrize(
    ("country", "code", "name", "expected"),
    [
        ("Syria", "SY", "Santiago", "CL"),  # the model copied an example's country: the place decides
        ("Chile", "SY", "Santiago", "CL"),  # the code disagrees with the country named: the name decides
        ("El Salvador", "SV", "San Miguel", "SV"),  # a place the given country has: nothing changes
        ("N/A", "XX", "Santiago", "CL"),  # neither is a country: the place decides
        ("Syria", "CL", "Santiago", "CL"),  # name and code disagree: the one that has the place
    ],
)
def test_the_country_code_is_computed_not_taken_from_the_model(gazetteer, country, code, name, expected):
    text = "SANTIAGO, 12 MAY 89 -- A BOMB EXPLODED TODAY NEAR A POLICE STATION IN SANTIAGO AND SAN MIGUEL."
    doc = make_doc(
        "x",
        text,
        "1989-05-12",
        [
            {
                "quote": "A BOMB EXPLODED TODAY",
                "location": {
                    "name": name,
                    "admin1": None,
                    "country": country,
                    "country_code": code,
                    "latitude": None,
                    "longitude": None,
                    "precision": "place",
                },
            }
        ],
    )
    incident = resolve_places(doc, text, gazetteer).incidents[0]
    assert incident.location.country_code == expected
    moved = [w for w in resolve_places(doc, text, gazetteer).warnings if w.code == WarningCode.COUNTRY_CODE_REPLACED]
    assert bool(moved) == (expected != code)


def test_a_location_that_is_a_country_is_in_that_country(gazetteer):
    text = "Pro-Iranian groups shelled areas in eastern Syria, Iranian media said."
    doc = make_doc(
        "x",
        text,
        "2021-06-28",
        [
            {
                "quote": "Pro-Iranian groups shelled areas in eastern Syria",
                "location": {
                    "name": "Syria",
                    "admin1": None,
                    "country": "Iran",
                    "country_code": "IR",
                    "latitude": None,
                    "longitude": None,
                    "precision": "country",
                },
            }
        ],
    )
    location = resolve_places(doc, text, gazetteer).incidents[0].location
    assert (location.name, location.country_code, location.precision, location.latitude) == (
        "Syria",
        "SY",
        "country",
        None,
    )


def test_the_gazetteer_is_built_once_per_machine_and_read_back_from_disk(tmp_path, monkeypatch):
    from extractor.normalise import gazetteer as module

    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path))
    default_gazetteer.cache_clear()
    try:
        built = default_gazetteer()
        (kept,) = tmp_path.glob("gazetteer-*.pickle")
        default_gazetteer.cache_clear()  # a new process on the same machine
        monkeypatch.setattr(module, "build_gazetteer", lambda *a, **k: pytest.fail("built again"))
        read = default_gazetteer()
        assert read is not built and read.lookup("Albukamal").geonameid == built.lookup("Albukamal").geonameid
        kept.write_bytes(b"not a pickle")  # a broken file is built again, not an error
        default_gazetteer.cache_clear()
        monkeypatch.setattr(module, "build_gazetteer", lambda *a, **k: built)
        assert default_gazetteer() is built
    finally:
        default_gazetteer.cache_clear()


def test_a_run_loads_the_gazetteer_in_a_thread_not_on_its_event_loop(tmp_path, monkeypatch):
    import asyncio
    import threading

    from extractor.normalise import gazetteer as module
    from extractor.runs.concurrent import run_articles
    from extractor.runs.context import RunContext
    from extractor.runs.pricing import load_prices
    from extractor.settings import Settings

    threads = []

    def recording(min_population=module.DEFAULT_MIN_POPULATION):
        threads.append(threading.current_thread())
        return Gazetteer()

    monkeypatch.setattr(module, "default_gazetteer", recording)
    monkeypatch.setattr("extractor.runs.concurrent.default_gazetteer", recording)
    ctx = RunContext(Settings(provider="openai", model="m"), load_prices(None))
    totals = asyncio.run(run_articles([], ctx, lambda outcome: None))
    assert totals.done == 0 and threads and all(t is not threading.main_thread() for t in threads)


def test_a_countrys_iso_code_is_no_name_but_the_news_short_names_are(gazetteer):
    assert [gazetteer.country_code_of(n) for n in ("Pol", "Per", "Arm")] == [None, None, None]  # POL, PER, ARM
    assert [gazetteer.country_code_of(n) for n in ("USA", "UK", "Britain", "DRC")] == ["US", "GB", "GB", "CD"]


def test_a_place_named_with_its_kind_is_found_without_a_country_named():
    from extractor.flow.pipeline import _places

    places = _places()
    assert places.first(["Khost district"]) == ("Khost district", "Afghanistan")  # an ACLED note names no country
    assert places.first(["Kunduz city"]) == ("Kunduz city", "Afghanistan")
    assert places.first(["Nowhere district"]) is None
