"""Regenerate docs/review.png, the picture of `extractor review` in docs/evaluation.md.

    .venv/bin/python scripts/review_screenshot.py [-o docs/review.png]

Renders the richest example, a hand-made gold answer (the convoy article's), named as a user in
the repository would give it (../shared/gold/..., not this machine's absolute path), opens it in headless Chromium at 1280x900 with its first
attribution selected (its spans marked and its record card open) and saves a PNG. Needs Debian's
chromium and chromium-driver. tests/test_review.py runs `main` into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from extractor.results.review import write_review  # noqa: E402
from support.browser import Browser, missing  # noqa: E402

PREFERRED = ("ap-2023-01-29-syria-convoy", "2021-06-28-omar-oilfield")


def gold_answer(gold_dir: Path = SHARED / "gold") -> Path:
    """The preferred gold file, found by the article it answers (its content)."""
    by_article: dict[str, Path] = {}
    for path in sorted(gold_dir.glob("*.json")):
        by_article.setdefault(json.loads(path.read_text(encoding="utf-8"))["article"]["id"], path)
    for article_id in PREFERRED:
        if article_id in by_article:
            return by_article[article_id]
    raise SystemExit(f"{gold_dir} holds no gold answer for {' or '.join(PREFERRED)}")


def main(out: Path, gold: Path | None = None, width: int = 1280, height: int = 900) -> Path:
    reason = missing()
    if reason:
        raise SystemExit(f"cannot take the screenshot: {reason}")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "review.html"
        # The page names each result as it was given: give it relative to where a user stands.
        given = Path(os.path.relpath(gold or gold_answer(), Path.cwd()))
        write_review([given], [Path(os.path.relpath(SHARED / "articles", Path.cwd()))], page)
        with Browser(width, height) as browser:
            browser.open(page, "r0-T1")  # the page selects T1 and scrolls to its first span
            browser.run("window.scrollTo(0, 0)")  # but the picture starts at the page's top
            png = browser.screenshot()
    return save_png(png, out)


def save_png(png: bytes, out: Path) -> Path:
    """Write the picture whole or not at all (a .partial file renamed)."""
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(png)
    os.replace(partial, out)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "review.png")
    args = parser.parse_args()
    print(main(args.output))
