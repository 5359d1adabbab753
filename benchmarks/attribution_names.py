"""How often the names code finds (extractor.flow.names) include the gold perpetrator: no model.

    .venv/bin/python benchmarks/attribution_names.py [-v]

Over the MUC-4 dev gold and the example articles: for every gold attribution with a perpetrator,
whether any sentence's names (and any sentence with an attribution cue) include one of the
perpetrator's gold names, compared as the evaluator compares them. -v lists the misses.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import quality
from extractor.articles.sentences import numbered
from extractor.flow.names import names_in
from extractor.flow.cues import cue_of
from extractor.results.evaluate import normal_name, read_results

pairs = [(aid, p, g) for aid, p, g in quality.muc_sample(1000, 0) if g] + list(quality.example_pairs())
tot = anyhit = cuehit = 0
for aid, path, gold_path in pairs:
    art = quality.load_article(path)
    try:
        gold = next(iter(read_results([Path(gold_path)]))).doc
    except Exception:
        continue
    sents = numbered(art.searchable_text)
    found_any = {
        normal_name(n)
        for s in sents
        for x in names_in(s.shown)
        for n in {getattr(x, "shown", x), getattr(x, "name", x)}
    }
    found_cue = {
        normal_name(n)
        for s in sents
        if cue_of(s.shown)
        for x in names_in(s.shown)
        for n in {getattr(x, "shown", x), getattr(x, "name", x)}
    }
    names = {a.id: {normal_name(n) for n in [a.name, *a.mentions]} for a in gold.actors}
    for t in gold.attributions:
        if t.optional or t.perpetrator_id is None:
            continue
        tot += 1
        a, c = bool(names[t.perpetrator_id] & found_any), bool(names[t.perpetrator_id] & found_cue)
        anyhit += a
        cuehit += c
        if not a and "-v" in sys.argv:
            print(aid, t.incident_id, names[t.perpetrator_id], t.kind, sorted(found_any)[:12])
print(f"gold attributions {tot}; perpetrator named by code in some sentence {anyhit}, in a cue sentence {cuehit}")
