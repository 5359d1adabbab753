import io
import json

import pytest

from conftest import ARTICLES, CONVOY, OILFIELD, SHARED, article, gold_for
from extractor.articles.load import MASK, iter_articles
from extractor.errors import InputError


def _load(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return list(iter_articles([str(path)]))


def test_txt_reads_date_prefix_and_keeps_text_as_read():
    convoy = article(CONVOY)
    assert convoy.id == "ap-2023-01-29-syria-convoy"
    assert convoy.published == "2023-01-29"
    # The sha256 the hand-made gold answer records for this article (docs/contract.md: of the text as read).
    assert convoy.sha256 == "926a5d28da6a4a6f5acf0366d5b2d49032091a387b279521f7bd2ac77ebee55f"
    assert convoy.text == CONVOY.read_text(encoding="utf-8")
    assert "date 2023" not in convoy.model_text and convoy.model_text.startswith("BEIRUT (AP)")


def test_the_shipped_examples_are_the_articles_the_gold_answers_were_made_from():
    # examples/ ships the example articles; the hand-made gold answers (not shipped) record the
    # sha256 of the text they were made from, so any edit to an example would break every offset.
    shipped = sorted(p.name for p in ARTICLES.glob("*.txt"))
    assert shipped == ["2021-06-28-omar-oilfield.txt", "ap-2023-01-29-syria-convoy.txt"]
    for name in shipped:
        gold = gold_for(name.removesuffix(".txt"))
        assert article(ARTICLES / name).sha256 == gold["article"]["sha256"]
        original = SHARED / "articles" / name
        if original.exists():
            assert (ARTICLES / name).read_bytes() == original.read_bytes()


def test_script_residue_is_kept_from_the_model_but_offsets_still_index_the_text():
    oil = article(OILFIELD)
    assert "cnxps" not in oil.model_text and "console.log" not in oil.model_text
    assert "Tasnim reports" in oil.model_text and "Pro-Iranian militias operate" in oil.model_text
    assert len(oil.searchable_text) == len(oil.text)
    start = oil.text.index("cnxps.cmd.push")
    assert oil.searchable_text[start] == MASK
    gold = gold_for("2021-06-28-omar-oilfield")
    for incident in gold["incidents"]:
        for span in incident["evidence"]:  # news text stays searchable at the gold offsets
            assert oil.searchable_text[span["start"] : span["end"]] == span["quote"]


def test_markup_is_masked(tmp_path):
    (item,) = _load(tmp_path, "a.txt", "<p>Gunmen <b>attacked</b> a village.</p>\n<script>alert(1)</script>\n")
    assert item.model_text == "Gunmen attacked a village."
    assert item.text.startswith("<p>")


@pytest.mark.parametrize(
    "name, data, problem",
    [
        ("empty.txt", "", "is empty"),
        ("blank.txt", "  \n\n ", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "looks binary"),
        ("latin1.txt", "Caf\xe9 attack".encode("latin-1"), "is not UTF-8"),
        ("only-script.txt", "if(window.x){console.log(1);}\n", "no article text"),
        ("bad-date.txt", " date 2023-13-45 Gunmen attacked.", "not a real YYYY-MM-DD"),
        ("bad.json", "{not json", "not valid JSON"),
        ("notext.json", '{"id": "x"}', 'no "text"'),
        ("list.json", "[1, 2]", "not a JSON object"),
    ],
)
def test_bad_input_gives_one_error_naming_the_file(tmp_path, name, data, problem):
    (error,) = _load(tmp_path, name, data)
    assert isinstance(error, InputError)
    assert problem in str(error) and name in str(error)
    assert "\n" not in error.one_line() and "hint:" in error.one_line()


def test_json_and_jsonl_records(tmp_path):
    (item,) = _load(
        tmp_path,
        "one.json",
        json.dumps({"id": "x1", "text": "Rebels shelled the town.", "title": "T", "published": "2024-05-02"}),
    )
    assert (item.id, item.title, item.published) == ("x1", "T", "2024-05-02")
    items = _load(
        tmp_path,
        "many.jsonl",
        '{"text": "A bomb went off."}\nnot json\n\n{"id": "b", "text": "Police arrested two men."}\n',
    )
    assert items[0].id == "many-1" and items[2].id == "b"
    assert isinstance(items[1], InputError) and "many.jsonl:2" in str(items[1])


def test_missing_file_does_not_stop_the_others(tmp_path):
    results = list(iter_articles([str(tmp_path / "nope.txt"), str(CONVOY)]))
    assert [type(r).__name__ for r in results] == ["InputError", "Article"]
    assert "nope.txt: does not exist" in str(results[0])


def test_folders_are_walked_recursively_and_globs_expanded(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text("Gunmen attacked a village.")
    (tmp_path / "a" / "b" / "two.jsonl").write_text(
        '{"id": "t1", "text": "A bomb went off."}\n{"id": "t2", "text": "Police arrested two men."}\n'
    )
    (tmp_path / "a" / "b" / "photo.png").write_bytes(b"\x89PNG")  # not an article suffix: not read
    (tmp_path / "a" / ".hidden.txt").write_text("Skipped.")
    ids = [a.id for a in iter_articles([str(tmp_path / "a")])]
    assert ids == ["one", "t1", "t2"]
    assert [a.id for a in iter_articles([str(tmp_path / "**" / "*.txt")])] == ["one"]
    (missing,) = list(iter_articles([str(tmp_path / "none-*.txt")]))
    assert isinstance(missing, InputError) and "does not exist" in str(missing)


def test_jsonl_is_streamed_line_by_line(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"text": "A bomb went off."}\n\xff\xfe bad bytes\n{"text": "Police arrested two men."}\n')
    items = iter_articles([str(path)])
    first = next(items)  # yielded before the rest of the file is read or decoded
    assert first.id == "big-1"
    rest = list(items)
    assert isinstance(rest[0], InputError) and "big.jsonl:2" in str(rest[0]) and "not UTF-8" in str(rest[0])
    assert rest[1].id == "big-3"


def test_stdin_text_and_records():
    (item,) = list(iter_articles(["-"], stdin=io.BytesIO(b" date 2024-01-02 Clashes broke out in the capital.")))
    assert item.published == "2024-01-02" and item.id.startswith("stdin-")
    items = list(iter_articles(["-"], stdin=io.BytesIO(b'{"id": "s1", "text": "A"}\n{"id": "s2", "text": "B"}\n')))
    assert [i.id for i in items] == ["s1", "s2"]


def test_utf8_bom_is_dropped_and_crlf_kept(tmp_path):
    (item,) = _load(tmp_path, "bom.txt", "\ufeffTroops clashed.\r\nTwo died.".encode("utf-8"))
    assert item.text == "Troops clashed.\r\nTwo died."
