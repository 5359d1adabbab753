"""How many of the gold statements the sentence frames read, with no model and no incidents.

    .venv/bin/python benchmarks/attribution_frames.py [--sets modern,examples,muc] [-v]

For every article of the chosen development sets (read from ../shared, never copied), the
statements `extractor.flow.frames.statements` reads in its parse are compared with the gold
attributions, incident left aside (the frames know no incidents):
  * recall: required gold attributions one of whose statements has the same kind (any of the
    gold's `kind_any`), a perpetrator named as one of the gold perpetrator's names (or none for
    ignorance) and, where the gold records a source, one of the source's names;
  * statements that match no gold attribution of the article (optional ones included): what the
    checks and the questions have to keep out.
It measures the frame reader alone, to improve it without the hour a quality run takes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def names(actor) -> set[str]:
    from extractor.results.evaluate import normal_name

    return {normal_name(n) for n in [actor.name, *actor.mentions]} - {""}


def measure(sets: list[str], verbose: bool) -> dict:
    import quality

    from extractor.articles.parse import parse
    from extractor.articles.sentences import numbered
    from extractor.flow.frames import statements
    from extractor.normalise.gazetteer import default_gazetteer
    from extractor.results.evaluate import normal_name
    from extractor.schema import GoldExtraction

    gazetteer = default_gazetteer()

    def is_place(name: str) -> bool:
        place = gazetteer.lookup(name)
        return place is not None and place.kind != "country"

    pairs = []
    if "examples" in sets:
        pairs += [p for p in quality.example_pairs() if p[2]]
    if "modern" in sets:
        pairs += [p for p in quality.modern_pairs() if p[2]]
    if "muc" in sets:
        pairs += [p for p in quality.muc_sample(1000, 0) if p[2]]
    required = found = read = unmatched = 0
    for aid, path, gold_path in pairs:
        article = quality.load_article(path)
        gold = GoldExtraction.model_validate_json(Path(gold_path).read_text(encoding="utf-8"))
        actors = {a.id: a for a in gold.actors}
        doc = parse(article.searchable_text)
        said = statements(doc, numbered(article.searchable_text, starts=[s.start_char for s in doc.sents]), is_place)

        def fits(statement, gold_t, actors=actors) -> bool:
            kinds = gold_t.kind_any or [gold_t.kind]
            if statement.kind not in kinds and not (statement.kind == "reported" and "alleged" in kinds):
                return False
            if gold_t.perpetrator_id is None:
                if statement.perpetrator is not None:
                    return False
            elif statement.perpetrator is None or not (
                {normal_name(statement.perpetrator.name), normal_name(statement.perpetrator.shown)}
                & names(actors[gold_t.perpetrator_id])
            ):
                return False
            if gold_t.source_id is not None and gold_t.kind_any is None:
                if statement.source is None or not (
                    {normal_name(statement.source.name), normal_name(statement.source.shown)}
                    & names(actors[gold_t.source_id])
                ):
                    return False
            return True

        for t in gold.attributions:
            if t.optional or t.kind == "denied" and t.source_id not in (None, t.perpetrator_id):
                continue
            required += 1
            hit = any(fits(s, t) for s in said)
            found += hit
            if verbose and not hit:
                who = actors[t.perpetrator_id].name if t.perpetrator_id else None
                print(f"  missed {aid}: {t.kind} {who}")
        for s in said:
            read += 1
            if not any(fits(s, t) for t in gold.attributions):
                unmatched += 1
                if verbose:
                    p = s.perpetrator.name if s.perpetrator else None
                    print(
                        f"  unmatched {aid} [{s.sentence.number}]: {s.kind} {p} <- {s.source.name if s.source else None}"
                    )
    return {
        "sets": sets,
        "articles": len(pairs),
        "gold_statements": required,
        "read": found,
        "recall": round(found / required, 3) if required else None,
        "statements": read,
        "matching_no_gold": unmatched,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="examples,modern,muc")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses and the unmatched statements")
    args = parser.parse_args()
    print(json.dumps(measure(args.sets.split(","), args.verbose)))


if __name__ == "__main__":
    main()
