"""Reading results back: extraction documents and the article texts they point at.

`eval` and `review` read what `extract` wrote (one JSON document, a JSON array, JSONL, or a
folder of them) and need each document's article text, which the contract does not carry: it
is found by the sha256 the document records, among article files the user names. Every problem
is an `InputError` naming the file (and line) at fault.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from extractor.articles.load import Article, iter_articles
from extractor.errors import InputError
from extractor.schema import GoldExtraction

RESULT_SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True)
class Result:
    """One document and where it was read (``file`` or ``file:line``)."""

    origin: str
    doc: GoldExtraction


def result_files(path: str | Path) -> list[Path]:
    """The result files a path names: the file itself, or the .json/.jsonl files in a folder."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in RESULT_SUFFIXES and p.is_file())
        if not files:
            raise InputError(
                str(path), "holds no .json or .jsonl result files", hint="point at the output of `extractor extract`"
            )
        return files
    if not path.exists():
        raise InputError(str(path), "does not exist", hint="check the path")
    return [path]


def read_results(paths: Iterable[str | Path]) -> Iterator[Result]:
    """Every extraction document in `paths`, validated against the contract.

    Documents are read with the gold model, a superset of the output contract (provenance may be
    absent, items may be marked optional), so gold files and predictions load the same way."""
    for path in paths:
        for file in result_files(path):
            yield from _documents(file)


def _documents(file: Path) -> Iterator[Result]:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(str(file), "is not UTF-8 text", hint="give a result written by `extractor extract`") from None
    except OSError as exc:
        raise InputError(
            str(file), f"cannot be read ({exc.strerror})", hint="check the path and its permissions"
        ) from None
    if file.suffix != ".jsonl":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if not _looks_like_jsonl(text):
                raise InputError(
                    str(file),
                    f"is not valid JSON ({exc.msg} at line {exc.lineno})",
                    hint="give a result written by `extractor extract`",
                ) from None
        else:
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                yield _document(item, str(file) if len(items) == 1 else f"{file}[{index}]")
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield _document(_parse(line, f"{file}:{number}"), f"{file}:{number}")


def _looks_like_jsonl(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") and line.rstrip().endswith("}") for line in lines)


def _parse(text: str, origin: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            origin,
            f"is not valid JSON ({exc.msg} at line {exc.lineno})",
            hint="give a result written by `extractor extract`",
        ) from None


def _document(value: object, origin: str) -> Result:
    if not isinstance(value, dict):
        raise InputError(origin, "is not a JSON object", hint="each result is one extraction document")
    try:
        return Result(origin, GoldExtraction.model_validate(value))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise InputError(
            origin,
            f"is not a valid extraction ({where}: {first['msg']}; {exc.error_count()} problem(s))",
            hint="check it with `extractor schema` and a JSON Schema validator",
        ) from None


class ArticleTexts:
    """Article texts found by sha256 among files and folders the user names."""

    def __init__(self, sources: Iterable[str | Path]) -> None:
        self.sources = [str(s) for s in sources]
        self._by_sha: dict[str, Article] = {}
        for source in self.sources:
            path = Path(source)
            names = sorted(str(p) for p in path.rglob("*") if p.is_file()) if path.is_dir() else [source]
            for item in iter_articles(names):
                if isinstance(item, Article):
                    self._by_sha.setdefault(item.sha256, item)

    def __len__(self) -> int:
        return len(self._by_sha)

    def get(self, sha256: str | None) -> Article | None:
        return self._by_sha.get(sha256) if sha256 else None

    def require(self, result: Result) -> Article:
        article = self.get(result.doc.article.sha256)
        if article is None:
            where = ", ".join(self.sources) or "no --articles given"
            raise InputError(
                result.origin,
                f"refers to article {result.doc.article.id!r} (sha256 {(result.doc.article.sha256 or 'none')[:12]}…), whose text is not in {where}",
                hint="pass --articles with the file or folder holding the article as it was extracted",
            )
        return article
