"""The attribution questions alone, asked of the embedded model on the example articles' gold
incidents: which questions code asks, what the model answers, how long each takes, and the
attributions code makes of the answers, beside the gold ones.

    .venv/bin/python benchmarks/attribution_questions.py     # about 2 minutes with the 1.5B default
"""

import sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import quality
from extractor.flow import attribute, prompts
from extractor.llm.client import build_client
from extractor.settings import resolve
from extractor.articles.sentences import numbered
from extractor.flow.ground import Grounder
from extractor.results.evaluate import read_results

settings = resolve({"no_cache": True})
client = build_client(settings)
for aid, path, gold_path in quality.example_pairs():
    article = quality.load_article(path)
    gold = next(iter(read_results([Path(gold_path)]))).doc
    grounder = Grounder(article.searchable_text, raw=article.text, sentences=numbered(article.searchable_text))
    view = prompts.View.of(article, "sentences", None, actor_rules=False)
    from extractor.normalise.gazetteer import default_gazetteer

    g = default_gazetteer()
    asked, unknown = attribute.questions(
        gold.incidents, [], grounder, lambda n: (p := g.lookup(n)) is not None and p.kind != "country"
    )
    names = {a.id: a.name for a in gold.actors}
    print(
        aid,
        "gold:",
        [(t.incident_id, names.get(t.perpetrator_id), names.get(t.source_id), t.kind) for t in gold.attributions],
    )
    print("  unknown:", [(c.incident_id, c.sentence.number) for c in unknown])
    answers = []
    for q in asked:
        incident = next(i for i in gold.incidents if i.id == q.candidate.incident_id)
        model = q.answer_model()
        started = time.monotonic()
        answer = client.extract(
            model, prompts.task_messages(article, view, attribute.question_text(q, incident)), {}, 60
        )
        v = answer.value
        print(
            f"  [{q.candidate.sentence.number}] {q.candidate.incident_id} {q.candidate.kind:8s} {time.monotonic() - started:4.1f}s",
            "perp:",
            getattr(v, "perpetrator", None),
            "| src:",
            getattr(v, "source", None),
            "| options:",
            [o.name for o in q.options],
            flush=True,
        )
        answers.append((q, v))
    found, actors, notes = attribute.attributions_from(answers, unknown, [], grounder)
    an = {a.id: a.name for a in actors}
    print(
        "  made:",
        [(t.incident_id, an.get(t.perpetrator_id), an.get(t.source_id), t.kind, t.hedged) for t in found],
        flush=True,
    )
