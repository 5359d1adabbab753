import pytest

from conftest import ARTICLES, CONVOY, OILFIELD, article, gold_for
from extractor.flow import ground
from extractor.flow.ground import Grounder

CASES = [
    # article, quote as the model gave it, method expected, the article's text expected
    (
        CONVOY,
        "Drones attacked a convoy of trucks in eastern Syria Sunday night",
        "exact",
        "Drones attacked a convoy of trucks in eastern Syria Sunday night",
    ),
    (
        CONVOY,
        "israel's military chief of staff  strongly suggested",
        "normalised",
        "Israel’s military chief of staff strongly suggested",
    ),
    (CONVOY, "BEIRUT (AP) - Drones attacked", "normalised", "BEIRUT (AP) — Drones attacked"),
    (
        CONVOY,
        "the drones appeared to have been from the US-led coalition",
        "fuzzy",
        "the drones appear to have been from the U.S.-led coalition",
    ),
    (
        OILFIELD,
        "US occupying forces were present in the area at the time of the attack",
        "exact",
        "US occupying forces were present in the area at the time of the attack",
    ),
    (
        OILFIELD,
        "Some media outlet reported that the action was carried out by the resistance groups",
        "fuzzy",
        "Some media outlets reported that the action was carried out by resistance groups",
    ),
    (OILFIELD, "Shi'ite groups", "normalised", "Shi’ite groups"),
]


@pytest.mark.parametrize("path, quote, method, expected", CASES)
def test_alignment_levels_with_verified_offsets(path, quote, method, expected):
    item = article(path)
    hit = Grounder(item.searchable_text).align(quote)
    assert hit is not None and hit.method == method
    assert item.text[hit.start : hit.end] == expected
    assert hit.alignment == ("exact" if method == "exact" else "fuzzy")


@pytest.mark.parametrize(
    "quote",
    [
        "a strike in Tokyo killed 40 people",
        "Russian forces shelled Kharkiv overnight with cluster munitions",
        "x",
    ],
)
def test_missing_quotes_are_not_found(quote):
    assert Grounder(article(CONVOY).searchable_text).align(quote) is None


def test_nothing_is_grounded_in_masked_script_residue_or_the_date_prefix():
    item = article(OILFIELD)
    grounder = Grounder(item.searchable_text)
    assert grounder.align("cnxps.cmd.push(function () {") is None
    assert grounder.align('console.log("hedva connatix")') is None
    assert grounder.align("date 2021-06-28") is None


@pytest.mark.parametrize("name", ["2021-06-28-omar-oilfield", "ap-2023-01-29-syria-convoy"])
def test_every_gold_quote_aligns_exactly_at_its_gold_offsets(name):
    item = article(ARTICLES / f"{name}.txt")
    grounder = Grounder(item.searchable_text)
    gold = gold_for(name)
    for kind in ("incidents", "actors", "attributions"):
        for record in gold[kind]:
            for span in record["evidence"]:
                hit = grounder.align(span["quote"])
                assert hit is not None and hit.method == "exact", span["quote"]
                assert item.text[hit.start : hit.end] == span["quote"]
                assert (hit.start, hit.end) == (span["start"], span["end"]) or item.text.count(span["quote"]) > 1


def test_fuzzy_search_cost_is_bounded_on_long_texts():
    # 40,000 repetitions of a sentence: a sliding window would compare the quote everywhere;
    # the anchored search looks at no more than MAX_WINDOWS windows.
    text = (
        "The convoy crossed the border at dawn. " * 40_000
        + "Militants ambushed the patrol near the northern checkpoint."
    )
    grounder = Grounder(text)
    windows = grounder._windows(ground.normalise("Militants ambushed a patrol near the northern checkpoint")[0])
    assert 1 <= len(windows) <= ground.MAX_WINDOWS
    hit = grounder.align("Militants ambushed a patrol near the northern checkpoint")
    assert hit is not None and text[hit.start : hit.end] == "Militants ambushed the patrol near the northern checkpoint"


def test_normalise_maps_every_character_back():
    folded, where = ground.normalise("A  “Quote” —  here")
    assert folded == 'a "quote" - here'
    assert len(where) == len(folded)


def test_a_quote_across_inline_markup_is_found_and_quotes_the_text_as_read():
    from extractor.articles.load import article_from_text

    item = article_from_text("<p>Rebel fighters <b>attacked</b> the town of Kafr Nabl on Monday.</p>\n", "x", "x")
    assert "Rebel fighters attacked the town" in item.model_text
    grounder = Grounder(item.searchable_text, raw=item.text)
    hit = grounder.align("Rebel fighters attacked the town of Kafr Nabl")
    assert hit is not None and hit.method == "normalised"
    assert item.text[hit.start : hit.end] == "Rebel fighters <b>attacked</b> the town of Kafr Nabl"
