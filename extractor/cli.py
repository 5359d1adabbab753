"""The command line: a thin layer over the library.

Each command parses options, resolves settings once and calls library functions; one error
boundary (`_ErrorBoundary`) turns known errors (the `extractor.errors` tree) into one line with a
hint and a non-zero exit code. Heavy imports happen inside commands so `extractor --help` starts
fast. EXTRACTOR_DEBUG=1 shows tracebacks.
"""

from __future__ import annotations

import logging
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click import Context  # the click that typer carries; its Group.invoke takes this Context


class _ErrorBoundary(TyperGroup):
    """The CLI's one error boundary, around every command: a known error (the `extractor.errors`
    tree) becomes one line on standard error with its hint, and its exit code; so does an OSError
    (a path that cannot be read or written is the machine's doing, not a bug); with the settings'
    debug flag (EXTRACTOR_DEBUG=1) its traceback instead. Anything else is a bug, and propagates."""

    def invoke(self, ctx: Context) -> object:
        from extractor.errors import ExtractorError
        from extractor.settings import debug_wanted

        try:
            return super().invoke(ctx)
        except ExtractorError as exc:
            if debug_wanted():
                raise
            _say(f"error: {exc.one_line()}")
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            if debug_wanted():
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            _say(f"error: {where}{exc.strerror or exc} (hint: check the path, its folder and their permissions)")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_ErrorBoundary,
    help="Grounded records of political-violence incidents, actors and attributions from news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(str, Enum):
    auto = "auto"
    json = "json"
    jsonl = "jsonl"


class ResponseFormat(str, Enum):
    json_schema = "json_schema"
    json_object = "json_object"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _print_version(wanted: bool) -> None:
    if wanted:
        from extractor import __version__

        print(f"extractor {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass


class _StandardError(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (the progress bar swaps it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _show_log(verbose: int, quiet: bool) -> None:
    """What the command shows of the library's log (the `extractor` logger) on standard error:
    by default warnings; -v also the retries and re-asks; -vv also every call and the SDKs' own
    messages (instructor, openai, httpx2); -q errors only."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO)[verbose] if verbose < 2 else logging.DEBUG
    handler = _StandardError()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("extractor", *(("instructor", "openai", "httpx2") if verbose >= 2 and not quiet else ())):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)


@app.command()
def extract(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Article files (.txt, .json, .jsonl), folders (walked recursively), globs, or - for standard input.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Write here instead of standard output; an existing folder (or a path ending in /) gets one <id>.json per article.",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="json (one document, or an array for several), jsonl (one per line, as each finishes); auto picks json for one input file, jsonl otherwise and for runs.",
        ),
    ] = OutputFormat.auto,
    run: Annotated[
        str | None,
        typer.Option(
            "--run",
            help="Name a resumable run: every article is recorded in the run store, finished ones are never sent again.",
        ),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="With --run: send again the articles that failed before.")
    ] = False,
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="Articles in flight at once. [env: EXTRACTOR_CONCURRENCY; default: 8; the embedded model always 1]"
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes doing the articles' work, sharing the concurrency and rate limits; one process tops out near 300 requests/s. [env: EXTRACTOR_WORKERS; default: one per core from --concurrency 32, else 1; the embedded model always 1]"
        ),
    ] = None,
    rpm: Annotated[
        float | None, typer.Option(help="Requests per minute the provider allows. [env: EXTRACTOR_RPM]")
    ] = None,
    tpm: Annotated[
        float | None, typer.Option(help="Tokens per minute the provider allows. [env: EXTRACTOR_TPM]")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Model name. [env: EXTRACTOR_MODEL; default: gpt-4o-mini, or the embedded qwen2.5-coder-1.5b-instruct]"
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="An OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1. [env: OPENAI_BASE_URL]"),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            help="embedded or openai (any compatible server). [default: openai when a key or base URL is set]"
        ),
    ] = None,
    response_format: Annotated[
        ResponseFormat | None,
        typer.Option(
            help="json_schema (OpenAI, vLLM, Ollama) or json_object (llama.cpp servers). [env: EXTRACTOR_RESPONSE_FORMAT]"
        ),
    ] = None,
    max_attempts: Annotated[
        int | None,
        typer.Option(
            help="LLM calls per stage, re-asks included. [env: EXTRACTOR_MAX_ATTEMPTS; default: 3, embedded 1]"
        ),
    ] = None,
    evidence: Annotated[
        str | None,
        typer.Option(
            help="How the model gives evidence: sentences (cites numbered sentences; the tool makes the spans) or quotes (copies passages; for servers that cannot constrain output to a schema). [env: EXTRACTOR_EVIDENCE; default: sentences]"
        ),
    ] = None,
    window_chars: Annotated[
        int | None,
        typer.Option(
            help="Article characters shown to the model per call; a longer article is read in overlapping windows of sentences. [env: EXTRACTOR_WINDOW_CHARS; default: 200000, embedded 12000]"
        ),
    ] = None,
    small_model: Annotated[
        bool | None,
        typer.Option(
            "--small-model/--no-small-model",
            help="Ask as for a small model: events and attribution statements found by code in the parse, one small question each, instead of incidents and actors written by the model. [env: EXTRACTOR_SMALL_MODEL; default: on for the embedded models only]",
            show_default=False,
        ),
    ] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            help="Leave out attributions whose confidence (the model's probability of its answer, 0 to 1) is below this; a warning names each, and one without a confidence is kept. [env: EXTRACTOR_MIN_CONFIDENCE; default: keep all]",
            min=0.0,
            max=1.0,
        ),
    ] = None,
    local_model: Annotated[
        str | None,
        typer.Option(
            help="The embedded model: qwen2.5-coder-0.5b or qwen2.5-coder-1.5b (each needs its weights extra), or a path to a GGUF file. [env: EXTRACTOR_LOCAL_MODEL; default: qwen2.5-coder-1.5b]"
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache folder. [env: EXTRACTOR_CACHE_DIR; default: the user cache dir]")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Run store file. [env: EXTRACTOR_RUN_STORE; default: runs.sqlite3 in the user data dir]"
        ),
    ] = None,
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            help="JSON price table {model: {input, output}} in dollars per million tokens. [env: EXTRACTOR_PRICES]",
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ignore cached results and store fresh ones.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress; only errors.")] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "-v",
            "--verbose",
            count=True,
            help="Also show the model server's retries and the re-asks on standard error; -vv also every call.",
        ),
    ] = 0,
) -> None:
    """Extract incidents, actors and attributions from articles into schema-valid JSON."""
    from extractor.settings import resolve

    _show_log(verbose, quiet)

    settings = resolve(
        {
            "model": model,
            "base_url": base_url,
            "provider": provider,
            "response_format": response_format.value if response_format else None,
            "max_attempts": max_attempts,
            "cache_dir": str(cache_dir) if cache_dir else None,
            "run_store": str(store) if store else None,
            "prices": str(prices) if prices else None,
            "concurrency": concurrency,
            "workers": workers,
            "rpm": rpm,
            "tpm": tpm,
            "no_cache": no_cache,
            "refresh": refresh,
            "evidence": evidence,
            "window_chars": window_chars,
            "local_model": local_model,
            "small_model": small_model,
            "min_confidence": min_confidence,
        }
    )
    from extractor.api import extract_files

    totals = extract_files(
        paths, settings=settings, output=output, fmt=fmt.value, run=run, retry_failed=retry_failed, quiet=quiet
    )
    failed = totals.failed + totals.failed_before
    if failed:
        earlier = f" ({totals.failed_before} in an earlier run of {run})" if totals.failed_before else ""
        again = (
            "run the same command with --retry-failed to send them again (done articles are not sent again)"
            if run
            else "run the same command again to retry them (finished articles come from the cache)"
        )
        _say(f"{failed} article{'s' if failed != 1 else ''} failed{earlier}; {again}")
    if totals.input_errors:
        raise typer.Exit(2)
    if failed:
        raise typer.Exit(1)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the schema to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the JSON Schema of one output document (schemas/extraction.v2.json)."""
    from extractor.results.write import pretty_json
    from extractor.schema import json_schema

    text = pretty_json(json_schema()) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


@app.command("eval")
def eval_(
    gold: Annotated[
        list[Path],
        typer.Option(
            "--gold",
            metavar="PATH",
            help="Gold answers: a folder of .json files or single files (repeatable).",
            show_default=False,
        ),
    ],
    pred: Annotated[
        list[Path],
        typer.Option(
            "--pred",
            metavar="PATH",
            help="Predictions: a folder, or files written by `extractor extract` (.json, array, .jsonl; repeatable).",
            show_default=False,
        ),
    ],
    articles: Annotated[
        list[Path] | None,
        typer.Option(
            "--articles",
            metavar="PATH",
            help="Article files or folders, to verify spans against the text. [default: the articles/ folder beside the gold folder]",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of a table.")] = False,
) -> None:
    """Score predictions against gold answers (docs/contract.md, "Scoring"): P/R/F1, field accuracy, grounding."""
    from extractor.results.evaluate import evaluate, report_table
    from extractor.results.write import pretty_json

    report = evaluate(gold, pred, articles or ())
    if as_json:
        sys.stdout.write(pretty_json(report.as_dict()) + "\n")
        return
    from rich.console import Console

    console = Console(width=max(100, 30 + 24 * (len(report.articles) + 1)))
    console.print(report_table(report))
    for score in report.articles:
        for note in score.notes:
            _say(f"note: {score.article}: {note}")


@app.command()
def review(
    results: Annotated[
        list[str],
        typer.Argument(
            help="Result files or folders written by `extractor extract` (.json, array, .jsonl), or run names from the run store.",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML page to write.")] = Path("review.html"),
    articles: Annotated[
        list[Path] | None,
        typer.Option(
            "--articles",
            metavar="PATH",
            help="Article files or folders holding the texts the results were extracted from (found by sha256). [default: the folders of the results]",
        ),
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Run store file, for run names. [env: EXTRACTOR_RUN_STORE]")
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Serve one run's page on 127.0.0.1 and record verdicts (accept, reject, fix, add) in the run store as they are made.",
        ),
    ] = False,
    port: Annotated[int, typer.Option(help="With --serve: the port (0: any free one).", min=0, max=65535)] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="With --serve: do not open a browser.")] = False,
    reviewer: Annotated[
        str | None,
        typer.Option(
            help="With --serve: who the verdicts are recorded as. [env: EXTRACTOR_REVIEWER; default: the login name]"
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML page showing every record beside its evidence in the article;
    with --serve, review a run: verdicts are written to the run store, actor names to your registry."""
    if serve:
        _serve_review(results, articles, store, port, not no_browser, reviewer)
        return
    import tempfile

    from extractor.results.review import write_review
    from extractor.runs.driver import run_documents

    with tempfile.TemporaryDirectory() as scratch:
        paths: list[Path] = []
        for name in results:
            if Path(name).exists():
                paths.append(Path(name))
                continue
            # A run: its documents from the store (the store keeps results, not article texts).
            dumped = Path(scratch) / f"run-{len(paths)}.jsonl"
            with dumped.open("w", encoding="utf-8") as stream:
                for document in run_documents(name, _store_path(store)):
                    stream.write(document.model_dump_json() + "\n")
            paths.append(dumped)
        sources = articles or [p if p.is_dir() else p.parent for p in paths if not str(p).startswith(scratch)]
        count = write_review(paths, sources, output)
    _say(f"wrote {output} ({count} article{'s' if count != 1 else ''})")


def _serve_review(
    results: list[str], articles: list[Path] | None, store: Path | None, port: int, browse: bool, reviewer
) -> None:
    from extractor.errors import ConfigError
    from extractor.results.verdicts import describe
    from extractor.runs.review_server import serve
    from extractor.settings import resolve

    if len(results) != 1 or Path(results[0]).exists():
        raise ConfigError(
            "--serve reviews one run: its verdicts are kept in the run store",
            hint="give one run name (see `extractor runs list`); result files have no run store",
        )
    if not articles:
        raise ConfigError(
            "--serve needs --articles: the run store keeps results, not article texts",
            hint="pass --articles with the files or folders the run read",
        )
    settings = resolve({"run_store": str(store) if store else None, "reviewer": reviewer})

    def ready(server) -> None:
        _say(f"reviewing run {results[0]} as {settings.reviewer} at {server.url}")
        _say("every verdict is saved as it is made; Ctrl-C stops the server")
        if browse:
            import webbrowser

            webbrowser.open(server.url)

    quality = serve(
        results[0],
        settings.run_store,
        list(articles or []),
        reviewer=settings.reviewer,
        actors_file=settings.actors_file,
        port=port,
        on_ready=ready,
    )
    from extractor.runs.store import RunStore

    with RunStore(settings.run_store) as runs:
        summary = runs.summary(results[0])
        done = summary.done if summary is not None else 0
    for line in describe(quality, done):
        _say(line)


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    geojson = "geojson"


StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Run store file. [env: EXTRACTOR_RUN_STORE; default: runs.sqlite3 in the user data dir]"
    ),
]


def _reviewed(run: str, store_path: Path, **options):
    """A run's documents as reviewed, with their records' statuses: an unknown run is an error
    now; the documents stream later, the store open while they are read."""
    from extractor.runs.driver import known_run
    from extractor.runs.reviewed import reviewed_documents
    from extractor.runs.store import RunStore

    known_run(run, store_path)

    def documents():
        with RunStore(store_path) as runs:
            yield from reviewed_documents(runs, run, **options)

    return documents()


def _store_path(store: Path | None) -> Path:
    from extractor.settings import resolve

    return resolve({"run_store": str(store) if store else None}).run_store


@app.command()
def export(
    run: Annotated[
        str,
        typer.Argument(help="A run name (see `extractor runs list`), or a results file or folder.", show_default=False),
    ],
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="jsonl (documents), csv (ACLED columns, one row per incident), geojson (incidents with coordinates).",
        ),
    ] = ExportFormat.jsonl,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write here (atomically) instead of standard output.")
    ] = None,
    verified: Annotated[
        bool,
        typer.Option(
            "--verified", help="Only the records an analyst accepted, fixed or added (extractor review RUN --serve)."
        ),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Export a run's finished documents for other tools: JSONL, ACLED-style CSV or GeoJSON.

    The documents as reviewed: fixed values, added records; a CSV row's status says which (accepted,
    fixed, rejected, added, unverified); JSONL, which has no place for a status, leaves rejected records out."""
    from extractor.errors import InputError
    from extractor.results.export import EXPORTERS
    from extractor.runs.driver import run_documents, write_atomically

    store_path = _store_path(store)
    if Path(run).exists():  # result files: no verdicts
        if verified:
            raise InputError(run, "is a results file, which holds no verdicts", hint="give --verified a run name")
        documents = run_documents(run, store_path)
    else:
        documents = _reviewed(run, store_path, verified=verified, rejected_incidents=fmt is not ExportFormat.jsonl)
    count = write_atomically(output, lambda stream: EXPORTERS[fmt.value](documents, stream))
    if output:
        _say(
            f"wrote {count} {'documents' if fmt is ExportFormat.jsonl else 'rows' if fmt is ExportFormat.csv else 'features'} to {output}"
        )


@app.command()
def gold(
    run: Annotated[
        str,
        typer.Argument(
            help="A run whose records an analyst reviewed (extractor review RUN --serve).", show_default=False
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="The folder for the gold answers: one <article id>.json each.", show_default=False
        ),
    ],
    store: StoreOption = None,
) -> None:
    """Write the run's verified documents (every record given a verdict) as gold answers for `extractor eval`."""
    from extractor.runs.driver import known_run
    from extractor.runs.reviewed import write_gold
    from extractor.runs.store import RunStore

    store_path = _store_path(store)
    known_run(run, store_path)
    with RunStore(store_path) as runs:
        written = write_gold(runs, run, output)
    left = f"; {len(written.unfinished)} reviewed documents left out, records unverified" if written.unfinished else ""
    _say(f"wrote {len(written.written)} gold answer{'s' if len(written.written) != 1 else ''} to {output}{left}")
    for article_id, count in written.unfinished[:10]:
        _say(f"left out {article_id}: {count} record{'s' if count != 1 else ''} unverified")


@app.command()
def merge(
    run: Annotated[str, typer.Argument(help="A run name, or a results file or folder.", show_default=False)],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write the merged dataset here instead of standard output.")
    ] = None,
    store: StoreOption = None,
) -> None:
    """One incident per event across articles: cluster the run's incidents (see extractor/normalise/merge.py for the rule)."""
    from extractor.normalise.merge import merge_documents
    from extractor.runs.driver import run_documents, write_atomically

    dataset = merge_documents(run_documents(run, _store_path(store)))
    write_atomically(output, lambda stream: stream.write(dataset.model_dump_json(indent=2) + "\n"))


runs_app = typer.Typer(help="List and inspect named runs (the run store).", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(runs_app, name="runs")


def _money(cost) -> str:
    return "unknown" if cost is None else f"${cost:.4f}"


@runs_app.command("list")
def runs_list(store: StoreOption = None) -> None:
    """Every run: articles done, failed and pending, tokens and cost."""
    from extractor.runs.store import RunStore

    with RunStore(_store_path(store)) as runs:
        summaries = runs.runs()
    if not summaries:
        _say("no runs yet (start one with `extractor extract ... --run NAME`)")
        return
    print(f"{'run':24} {'done':>8} {'failed':>8} {'pending':>8} {'tokens':>12} {'cost':>10}  updated")
    for s in summaries:
        print(
            f"{s.name:24} {s.done:>8} {s.failed:>8} {s.pending:>8} {s.prompt_tokens + s.completion_tokens:>12,} {_money(s.cost):>10}  {s.updated_at}"
        )


@runs_app.command("show")
def runs_show(
    name: Annotated[str, typer.Argument(help="The run's name.", show_default=False)],
    store: StoreOption = None,
    failures: Annotated[int, typer.Option(help="How many failures to list.")] = 20,
) -> None:
    """A run's status, tokens, cost, settings and failures with their reasons, and its review: records verified, measured quality, the fixes most often made."""
    from extractor.errors import InputError
    from extractor.runs.store import RunStore

    with RunStore(_store_path(store)) as runs:
        s = runs.summary(name)
        if s is None:
            raise InputError(name, "is not a run in the store", hint="see `extractor runs list`")
        failed = runs.failures(name, failures)
        from extractor.runs.reviewed import run_quality

        reviewed = run_quality(runs, name)
    print(f"run {s.name}: {s.done} done, {s.failed} failed, {s.pending} pending (in flight when last stopped)")
    print(
        f"model {s.settings.get('provider')}/{s.settings.get('model')}"
        + (f" at {s.settings['base_url']}" if s.settings.get("base_url") else "")
    )
    print(
        f"tokens {s.prompt_tokens:,} prompt + {s.completion_tokens:,} completion; cost {_money(s.cost)}; model time {s.seconds:.1f} s"
    )
    print(f"created {s.created_at}, last run {s.updated_at}")
    for article_id, _origin, reason in failed:
        print(f"failed {article_id}: {reason}")
    if s.failed > len(failed):
        print(f"... and {s.failed - len(failed)} more (--failures N)")
    if s.failed or s.pending:
        print("resume with the same extract command; add --retry-failed to send failed articles again")
    from extractor.results.verdicts import describe

    for line in describe(reviewed, s.done):
        print(line)


batch_app = typer.Typer(
    help="OpenAI Batch API: submit a run's requests at half price, poll, and collect into the run store.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(batch_app, name="batch")

ModelOption = Annotated[str | None, typer.Option(help="Model name. [env: EXTRACTOR_MODEL; default: gpt-4o-mini]")]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(help="An OpenAI-compatible server with the Files and Batches endpoints. [env: OPENAI_BASE_URL]"),
]


def _batch_context(model, base_url, store, prices=None):
    """Settings, the run store and a plain openai client for the Files/Batches endpoints."""
    import openai

    from extractor.runs.store import RunStore
    from extractor.settings import resolve

    settings = resolve(
        {
            "model": model,
            "base_url": base_url,
            "run_store": str(store) if store else None,
            "prices": str(prices) if prices else None,
        }
    )
    from extractor.batch.commands import SDK_RETRIES
    from extractor.normalise.actors import use_registry_file

    use_registry_file(settings.actors_file)  # collect normalises as extract does

    client = openai.OpenAI(
        api_key=settings.api_key or "not-needed",
        base_url=settings.base_url,
        timeout=settings.timeout,
        max_retries=SDK_RETRIES,
    )
    return settings, RunStore(settings.run_store), client


@batch_app.command("submit")
def batch_submit(
    run: Annotated[str, typer.Argument(help="The run's name.", show_default=False)],
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Article files, folders or globs to add to the run (none: send what is queued).", show_default=False
        ),
    ] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Start the run's failed articles over.")] = False,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    store: StoreOption = None,
) -> None:
    """Write the run's pending requests as Batch API JSONL (strict json_schema), upload and create the batches."""
    from extractor.batch import commands as batch

    settings, runs, client = _batch_context(model, base_url, store)
    with runs:
        sent = batch.submit(run, paths or [], settings, runs, client, retry_failed=retry_failed)
    for outcome in sent.outcomes:
        _say(f"error: {outcome.reason}")
    _say(
        f"run {run}: {len(sent.custom_ids)} requests for {sent.articles} articles in batch(es) {', '.join(sent.batch_ids) or 'none'}; "
        f"{sent.skipped} skipped (already done or failed)"
    )
    if sent.outcomes:
        raise typer.Exit(2)


@batch_app.command("status")
def batch_status(
    run: Annotated[str, typer.Argument(help="The run's name.", show_default=False)],
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    store: StoreOption = None,
) -> None:
    """Poll the run's batches."""
    from extractor.batch import commands as batch

    settings, runs, client = _batch_context(model, base_url, store)
    with runs:
        statuses = batch.status(run, runs, client)
    if not statuses:
        _say(f"run {run} has no batches (submit first: extractor batch submit {run} PATH...)")
    for st in statuses:
        print(
            f"{st.id}: {st.status}, {st.completed}/{st.requests} completed, {st.failed} failed"
            + (" (collected)" if st.collected else "")
        )


@batch_app.command("collect")
def batch_collect(
    run: Annotated[str, typer.Argument(help="The run's name.", show_default=False)],
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    store: StoreOption = None,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="JSON price table (dollars per million tokens). [env: EXTRACTOR_PRICES]"),
    ] = None,
) -> None:
    """Collect finished batches into the run store (same grounding and checks), then submit the next stage, re-asks and failed lines."""
    from extractor.batch import commands as batch
    from extractor.runs.pricing import load_prices

    settings, runs, client = _batch_context(model, base_url, store, prices)
    with runs:
        report = batch.collect(run, runs, client, settings, load_prices(settings.prices_file))
    for outcome in report.outcomes:
        if outcome.status == "failed":
            _say(f"error: {outcome.reason}")
    _say(
        f"run {run}: {report.done} articles done, {report.failed} failed; {len(report.waiting)} batch(es) still running; "
        f"{report.reasks} re-asks, {report.resent} failed lines resent"
        + (
            f"; next batch {', '.join(report.submission.batch_ids)}"
            if report.submission and report.submission.batch_ids
            else ""
        )
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
