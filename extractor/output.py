"""Writing results: JSON, a JSON array, JSONL, or one file per article in a folder.

JSONL is written line by line as articles finish; files are written to a `.partial` sibling and
renamed into place when the command ends, so an interrupted run never leaves a truncated file
where a complete one is expected (and the cache keeps every finished article).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO

from extractor.schema import ArticleExtraction


class Writer:
    def __init__(self, output: str | None, fmt: str) -> None:
        self.fmt = fmt
        self.count = 0
        self.folder: Path | None = None
        self._pending: list[str] = []
        self._partial: Path | None = None
        self._target: Path | None = None
        self._stream: IO[str] = sys.stdout
        if output and output != "-":
            path = Path(output)
            if path.is_dir() or output.endswith(os.sep):
                path.mkdir(parents=True, exist_ok=True)
                self.folder = path
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._target = path
                self._partial = path.with_name(path.name + ".partial")
                self._stream = self._partial.open("w", encoding="utf-8")

    def add(self, document: ArticleExtraction) -> None:
        self.count += 1
        if self.folder is not None:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in document.article.id)
            final = self.folder / f"{safe}.json"
            partial = final.with_name(final.name + ".partial")
            partial.write_text(document.model_dump_json(indent=2) + "\n", encoding="utf-8")
            os.replace(partial, final)
        elif self.fmt == "jsonl":
            self._stream.write(document.model_dump_json() + "\n")
            self._stream.flush()
        else:
            self._pending.append(document.model_dump_json(indent=2))

    def close(self) -> None:
        if self.folder is None and self.fmt == "json" and self._pending:
            if len(self._pending) == 1:
                self._stream.write(self._pending[0] + "\n")
            else:
                self._stream.write("[\n" + ",\n".join(self._pending) + "\n]\n")
        if self._partial is not None and self._target is not None:
            self._stream.close()
            if self.count or self.fmt == "jsonl":
                os.replace(self._partial, self._target)
            else:
                self._partial.unlink()
        else:
            self._stream.flush()


def pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
