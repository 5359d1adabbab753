"""Reading articles: the only stage that touches input files.

An `Article` keeps the text exactly as read (decoded UTF-8, newlines as stored): every offset
the tool emits indexes it, and `sha256` is taken over it. Parts that are not news (the
` date YYYY-MM-DD` prefix, script residue, HTML markup) are recorded as masked regions: the model
never sees them (`model_text`) and no quote can be grounded in them (`searchable_text`, same
length as the text, masked characters replaced by NUL).

`iter_articles` yields an `Article` or an `InputError` per article, so one bad file does not stop
the others.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from extractor.errors import InputError
from extractor.schema import ArticleMeta

MASK = "\x00"
# The longest article taken (UTF-8 bytes). Longer ones are refused with a one-line error: a text
# of this size is a book or a dump, not an article, and would take hours with a local model
# (below it, an article longer than the model's window is read in windows: extractor.flow.windows).
MAX_ARTICLE_BYTES = 2 * 1024 * 1024
DATE_PREFIX = re.compile(r"\A[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*\r?\n)")
_BLOCK_MARKUP = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_CODE_HINTS = re.compile(
    r"function\s*\(|=>|\b(?:var|const|let)\s+\w+\s*=|\b(?:document|window|console)\.\w|"
    r"\.push\(|getElementsBy\w+\(|\}\s*\)\s*;|^\s*(?:if|for|while)\s*\(.*\)\s*\{",
)
_CODE_CHARS = set("{}();=<>[]")


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    published: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    masked: tuple[tuple[int, int], ...] = field(default=())

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def searchable_text(self) -> str:
        """The text with masked regions blanked out; same length, so offsets carry over."""
        chars = list(self.text)
        for start, end in self.masked:
            chars[start:end] = MASK * (end - start)
        return "".join(chars)

    def meta(self) -> ArticleMeta:
        """What a document records of its article (the contract holds no text)."""
        return ArticleMeta(
            id=self.id, title=self.title, source=self.source, published=self.published, url=self.url, sha256=self.sha256
        )

    @cached_property
    def model_text(self) -> str:
        """What the model reads: the news without the masked parts, blank lines collapsed."""
        kept = self.searchable_text.replace(MASK, "")
        lines = [line.rstrip() for line in kept.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def residue_regions(text: str) -> list[tuple[int, int]]:
    """Regions of `text` that are script residue or markup rather than news."""
    regions = [m.span() for m in _BLOCK_MARKUP.finditer(text)]
    regions += [m.span() for m in _TAG.finditer(text)]
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if body and _looks_like_code(body):
            start = offset + line.index(body[0])
            regions.append((start, start + len(body)))
        offset += len(line)
    return _merge(regions)


def _looks_like_code(line: str) -> bool:
    if _CODE_HINTS.search(line):
        return True
    density = sum(map(line.count, _CODE_CHARS)) / len(line)
    return density > 0.08 and (";" in line or "{" in line)


def _merge(regions: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise InputError(source, "is empty", hint="give a file that holds an article's text")
    if b"\x00" in data[:8192]:
        raise InputError(source, "looks binary (it contains NUL bytes)", hint="give a UTF-8 text, .json or .jsonl file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            source,
            f"is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="convert it first, e.g. iconv -f latin1 -t utf-8",
        ) from None


def article_from_text(text: str, article_id: str, origin: str, **meta: str | None) -> Article:
    """An article from plain text, reading the optional ` date YYYY-MM-DD` prefix.
    `origin` names where it was read, for error messages."""
    size = len(text.encode("utf-8"))
    if size > MAX_ARTICLE_BYTES:
        raise InputError(
            origin,
            f"is {size / 1024 / 1024:.1f} MB of text; the limit for one article is "
            f"{MAX_ARTICLE_BYTES // 1024 // 1024} MB",
            hint="split it into articles (one per file, or one JSON record per line)",
        )
    masked: list[tuple[int, int]] = []
    published = meta.pop("published", None)
    prefix = DATE_PREFIX.match(text)
    if prefix:
        published = published or _check_date(prefix.group(1), origin)
        masked.append(prefix.span())
    masked += residue_regions(text)
    article = Article(id=article_id, text=text, published=published, masked=tuple(_merge(masked)), **meta)
    if not article.model_text:
        raise InputError(
            origin, "holds no article text once script and markup are set aside", hint="check the file's content"
        )
    return article


def article_from_record(record: object, default_id: str, source: str) -> Article:
    """An article from a JSON record: text plus optional id, title, source, url, published."""
    if not isinstance(record, dict):
        raise InputError(source, "is not a JSON object", hint='give {"text": "...", "id": "..."}')
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(source, 'has no "text" string', hint='each record needs {"text": "..."}')
    meta = {}
    for key in ("title", "source", "url", "published"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(source, f'"{key}" must be a string', hint="fix the record")
        meta[key] = value
    if meta["published"]:
        meta["published"] = _check_date(meta["published"][:10], source)
    article_id = str(record.get("id") or default_id)
    return article_from_text(text, article_id, origin=source, **meta)


def _check_date(value: str, source: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(
            source, f"publication date {value!r} is not a real YYYY-MM-DD date", hint="fix the date"
        ) from None


def _records(data: bytes, source: str, stem: str, jsonl: bool) -> Iterator[Article | InputError]:
    try:
        text = decode(data, source)
    except InputError as exc:
        yield exc
        return
    if not jsonl:
        try:
            yield article_from_record(json.loads(text), stem, source)
        except json.JSONDecodeError as exc:
            yield InputError(source, f"is not valid JSON ({exc.msg} at line {exc.lineno})", hint="fix the file")
        except InputError as exc:
            yield exc
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield _jsonl_record(line, stem, number, f"{source}:{number}")


def _jsonl_record(line: str, stem: str, number: int, where: str) -> Article | InputError:
    try:
        return article_from_record(json.loads(line), f"{stem}-{number}", where)
    except json.JSONDecodeError as exc:
        return InputError(where, f"is not valid JSON ({exc.msg})", hint="one JSON object per line")
    except InputError as exc:
        return exc


def load_bytes(data: bytes, source: str, stem: str, suffix: str) -> Iterator[Article | InputError]:
    """Articles in one input, by its kind: .json, .jsonl, or plain text."""
    if suffix == ".jsonl":
        yield from _records(data, source, stem, jsonl=True)
        return
    if suffix == ".json":
        yield from _records(data, source, stem, jsonl=False)
        return
    try:
        text = decode(data, source)
        if suffix == "-" and text.lstrip().startswith("{"):
            yield from _records(data, source, stem, jsonl=True)
            return
        yield article_from_text(text, stem, source)
    except InputError as exc:
        yield exc


ARTICLE_SUFFIXES = frozenset({".txt", ".text", ".md", ".json", ".jsonl", ".html", ".htm"})
_GLOB_CHARS = frozenset("*?[")


def expand_inputs(names: Iterable[str]) -> Iterator[str]:
    """Input names with folders walked (recursively, sorted, files with an article suffix) and
    glob patterns expanded (`**` recurses); '-' and plain files pass through. Lazy, so a folder
    of a million files is never listed in memory at once."""
    for name in names:
        if name == "-":
            yield name
            continue
        path = Path(name)
        if path.is_dir():
            for folder, subfolders, files in os.walk(path):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                for file in sorted(files):
                    if not file.startswith(".") and Path(file).suffix.lower() in ARTICLE_SUFFIXES:
                        yield os.path.join(folder, file)
        elif not path.exists() and _GLOB_CHARS & set(name):
            matches = sorted(glob.glob(name, recursive=True))
            if not matches:
                yield name  # reported as missing, like any other path
            yield from expand_inputs(matches)
        else:
            yield name


def _stream_jsonl(path: Path, name: str) -> Iterator[Article | InputError]:
    """One article per line, read line by line: memory stays flat however long the file is."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InputError(name, f"cannot be read ({exc.strerror})", hint="check its permissions")
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{name}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield InputError(where, f"is not UTF-8 (byte 0x{raw[exc.start]:02x})", hint="convert the file to UTF-8")
                continue
            yield _jsonl_record(line, path.stem, number, where)


def iter_articles(paths: Iterable[str], stdin: BinaryIO | None = None) -> Iterator[Article | InputError]:
    """Every article named by `paths` ('-' is standard input; folders and globs are expanded),
    in order, streamed."""
    for name in expand_inputs(paths):
        if name == "-":
            data = (stdin or sys.stdin.buffer).read()
            stem = "stdin-" + hashlib.sha256(data).hexdigest()[:8]
            yield from load_bytes(data, "<stdin>", stem, "-")
            continue
        path = Path(name)
        if path.suffix.lower() == ".jsonl" and path.is_file():
            yield from _stream_jsonl(path, name)
            continue
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            yield InputError(name, "does not exist", hint="check the path")
            continue
        except IsADirectoryError:
            yield InputError(name, "is a directory", hint="name the article files, e.g. DIR/*.txt")
            continue
        except OSError as exc:
            yield InputError(name, f"cannot be read ({exc.strerror})", hint="check its permissions")
            continue
        yield from load_bytes(data, name, path.stem, path.suffix.lower())


def count_inputs(paths: Iterable[str]) -> int | None:
    """How many articles `paths` hold (one per file, one per non-blank JSONL line), for a progress
    bar's total; None when standard input is among them. Reads JSONL files in blocks, not lines."""
    total = 0
    for name in expand_inputs(paths):
        if name == "-":
            return None
        path = Path(name)
        if path.suffix.lower() != ".jsonl" or not path.is_file():
            total += 1
            continue
        try:
            with path.open("rb") as handle:
                previous = b"\n"
                for block in iter(lambda: handle.read(1 << 20), b""):
                    total += block.count(b"\n") - block.count(b"\n\n") - block.count(b"\n\r\n")
                    previous = block[-1:]
                total += previous != b"\n"
        except OSError:
            total += 1
    return total
