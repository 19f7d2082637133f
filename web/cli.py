"""The ``archive`` command: the one place that wires sources → entities → index → web."""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from archive.kinds import EntityKind
from archive.readers import read_sources
from archive.settings import EntitySetting, get_settings
from index.build import ReindexReport
from index.engine import Engine, EngineConfig
from index.engines import open_engine
from index.lock import EX_TEMPFAIL, IndexBusy
from index.models import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    BuildLimits,
    FacetName,
    Hit,
    Match,
    SearchRequest,
    Sort,
)

from .cli_check import check_cmd
from .cli_entities import eval_ner_cmd, extract_cmd, train_ner_cmd
from .cli_nodes import nodes_cmd
from .cli_options import engine_options, entities_option
from .enrich import NO_ENTITIES, enricher
from .export import export_lines

err = Console(stderr=True, soft_wrap=True)


@click.group()
def main() -> None:
    """Search an archive of Arabic news articles.

    \b
    Example:
      archive reindex seeds/ && archive search "غالانت"
    """


@main.command("reindex")
@click.argument("sources", nargs=-1, type=click.Path())
@engine_options
@click.option("--full", is_flag=True, help="Rebuild from scratch into a fresh directory, "
              "swapped in atomically when done.")
@click.option("--no-entities", is_flag=True, help="Skip entity extraction (faster).")
@entities_option
@click.option("--procs", type=int, default=None, help="Indexing processes for a full build.")
def reindex_cmd(sources, engine, full, no_entities, entities, procs) -> None:
    """Index articles from files and folders (.txt, .json, .jsonl, .jsonl.gz, .html).

    Incremental: unchanged articles are skipped, changed ones replaced, and articles whose
    file is gone are removed. One reindex at a time per index; a killed one leaves the
    index as it was, and the next run clears what it left.

    \b
    Exit status:
      0   done
      1   done, but some input was skipped (each is listed)
      75  another reindex is writing this index: nothing was changed, try again later

    \b
    Example:
      archive reindex seeds/ ../shared/data/corpus/ant-multisource-002.jsonl.gz
    """
    settings = get_settings()
    try:
        report = run_reindex(
            [Path(s) for s in sources] or [settings.seeds_dir], engine, full=full,
            entities=None if no_entities else entities or settings.entities,
            procs=procs or settings.index_procs)
    except IndexBusy as exc:
        err.print(f"Error: {exc}", markup=False, highlight=False)
        sys.exit(EX_TEMPFAIL)
    _print_report(report)
    if report.skipped:
        sys.exit(1)


def run_reindex(sources: list[Path], engine: EngineConfig, *, full: bool = False,
                entities: EntitySetting | None = "fast", procs: int = 1) -> ReindexReport:
    """Read ``sources`` and index them into ``engine``, with a progress bar on a terminal;
    ``entities``: the entity setting, None for none."""
    settings = get_settings()
    items = read_sources(sources)
    enrich = enricher(entities) if entities else (lambda article: article)
    version = enricher(entities).version if entities else NO_ENTITIES
    with Progress(SpinnerColumn(), TextColumn("indexing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=err,
                  disable=not err.is_terminal, transient=False) as progress:
        task = progress.add_task("index", total=None, rate="")

        def tick() -> None:
            progress.advance(task)
            done = progress.tasks[0]
            if done.completed % 200 == 0 and done.elapsed:
                progress.update(task, rate=f"{done.completed / done.elapsed:,.0f} articles/s")

        target = open_engine(engine)
        try:
            limits = BuildLimits(settings.index_memory_mb, settings.index_segment_articles)
            return target.reindex(items, full=full, enrich=enrich, enrich_version=version,
                                  procs=procs, limits=limits, on_item=tick)
        finally:
            target.close()


def _print_report(report: ReindexReport) -> None:
    rate = report.articles / report.seconds if report.seconds else 0
    err.print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"removed {report.removed}, skipped {len(report.skipped)} "
        f"in {report.seconds:.1f} s ({rate:,.0f} articles/s)")
    for skipped in report.skipped:
        err.print(f"  skipped {skipped}", markup=False, highlight=False)


def _filters(searcher: Engine, names: dict[EntityKind, tuple[str, ...]],
             source: tuple[str, ...]) -> dict[FacetName, list[str]]:
    """Filters from typed names: each name stands for the entities it resolves to."""
    out: dict[FacetName, list[str]] = {}
    for kind, values in names.items():
        keys = [k for name in values for k in searcher.entity_keys(kind, name) or [name]]
        if keys:
            out[FacetName(kind.value)] = keys
    if source:
        out[FacetName.SOURCE] = list(source)
    return out


def _entity_options(command):
    """``--person``, ``--place``, ``--org``: one repeatable option per entity kind."""
    for kind in reversed(EntityKind):
        command = click.option(f"--{kind.param}", f"names_{kind.value}", multiple=True,
                               help=f"Filter by {kind.value} name (repeat for OR).")(command)
    return command


@main.command("search")
@click.argument("query", required=False, default="")
@engine_options
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT,
              show_default=True)
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True)
@click.option("--match", type=click.Choice([m.value for m in Match]), default=Match.ALL.value,
              show_default=True, help=Match.__doc__)
@click.option("--sort", type=click.Choice([s.value for s in Sort]),
              default=Sort.RELEVANCE.value, show_default=True)
@_entity_options
@click.option("--source", multiple=True, help="Filter by source (repeat for OR).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="Run one query per line (or JSON Lines {id, query}); '-' reads stdin.")
@click.option("--export", "export_to", type=click.Path(dir_okay=False),
              help="Write every hit (not just a page) to FILE.csv or FILE.jsonl.")
def search_cmd(query, engine, limit, page, match, sort, source, as_json, batch, export_to,
               **names) -> None:
    """Search the archive.

    \b
    Examples:
      archive search "غالانت"
      archive search '"رئيس الوزراء" -نتنياهو' --json
      archive search "person:نتنياهو date:2018-03..2018-05"
      archive search --batch names.txt --match any
      archive search "غزة" --export hits.csv
    """
    searcher = open_engine(engine)
    typed = {kind: names[f"names_{kind.value}"] for kind in EntityKind}
    base = dict(match=match, sort=sort, limit=limit, page=page,
                filters=_filters(searcher, typed, source))
    if batch is not None:
        _run_batch(searcher, batch, base)
        return
    # Facets are counted only where they are shown (--json): a one-off search skips the
    # per-index facet tables.
    request = _request(query=query, facet_limit=10 if as_json else 0, **base)
    if export_to:
        count = export_hits(searcher.export(request), Path(export_to))
        err.print(f"wrote {count} hits to {export_to}")
        return
    result = searcher.search(request)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    _print_result(result)


def _request(**fields) -> SearchRequest:
    try:
        return SearchRequest(**fields)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _run_batch(searcher: Engine, lines, base: dict) -> None:
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        query_id, text = str(number), line
        if line.startswith("{"):
            try:
                item = json.loads(line)
                query_id, text = str(item.get("id", number)), str(item["query"])
            except (ValueError, KeyError, AttributeError) as exc:
                err.print(f"line {number}: not a JSON object with a query: {exc}")
                continue
        result = searcher.search(_request(query=text, facet_limit=0,
                                          **{**base, "fallback": False}))
        click.echo(json.dumps({"id": query_id, "query": text, "total": result.total,
                               "hits": [h.model_dump() for h in result.hits]},
                              ensure_ascii=False))


def _print_result(result) -> None:
    out = Console(highlight=False)
    for notice in result.notices:
        out.print(f"[yellow]{notice}[/]")
    if result.suggestion:
        out.print(f"هل تقصد: {result.suggestion}")
    out.print(f"{result.total} نتيجة ({result.took_ms} ms)")
    for hit in result.hits:
        out.print(f"\n[bold]{hit.title}[/]  [dim]{hit.date or ''} {hit.source or ''} {hit.id}[/]")
        out.print(_terminal_marks(hit.snippet))


_MARK = re.compile(r"<mark[^>]*>(.*?)</mark>", re.S)


def _terminal_marks(html_text: str) -> Text:
    """A snippet for the terminal: marked words in reverse video, HTML entities undone."""
    text, last = Text(), 0
    for match in _MARK.finditer(html_text):
        text.append(html.unescape(html_text[last:match.start()]))
        text.append(html.unescape(match.group(1)), style="reverse")
        last = match.end()
    text.append(html.unescape(html_text[last:]))
    return text


def export_hits(hits: Iterator[Hit], path: Path) -> int:
    """Stream hits to CSV (by suffix) or JSON Lines; returns how many were written."""
    fmt = "csv" if path.suffix.lower() == ".csv" else "jsonl"
    count = 0

    def counted():
        nonlocal count
        for hit in hits:
            count += 1
            yield hit

    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.writelines(export_lines(counted(), fmt))
    return count


@main.command("entities")
@engine_options
@click.option("--top", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--kind", type=click.Choice([k.value for k in EntityKind]))
@click.option("--json", "as_json", is_flag=True)
def entities_cmd(engine, top, kind, as_json) -> None:
    """List the canonical entities in most articles, with their spelling variants, the
    names merged into each (↳) and those kept apart (✗), with the evidence.

    \b
    Example:
      archive entities --top 50 --kind person
    """
    rows = open_engine(engine).aliases().top(kind, top)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        variants = ", ".join(f"{v} ({n})" for v, n in
                             sorted(row["variants"].items(), key=lambda kv: -kv[1]))
        click.echo(f"{row['docs']:6d}  {row['kind']:<12} {row['label']}  ← {variants}")
        for member in row["merged"]:
            click.echo(f"{'':20}↳ {member['label']}: {member['why']}")
        for member in row["kept_apart"]:
            click.echo(f"{'':20}✗ {member['label']}: {member['why']}")


@main.command("serve")
@engine_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="gunicorn worker processes (each opens the index once).")
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn.")
def serve_cmd(engine, host, port, workers, dev) -> None:
    """Serve the search page with gunicorn; indexes seeds/ first when there is no index.

    \b
    Example:
      archive serve --port 8000 --workers 4
      archive serve --dev        # Flask's server, reloads nothing, one process
    """
    from .serve import serve

    if not open_engine(engine).has_index():
        err.print(f"no index at {engine.index_dir}: indexing {get_settings().seeds_dir} first")
        _print_report(run_reindex([get_settings().seeds_dir], engine))
    serve(engine, host, port, workers, dev=dev)


main.add_command(check_cmd)
main.add_command(nodes_cmd)
main.add_command(extract_cmd)
main.add_command(eval_ner_cmd)
main.add_command(train_ner_cmd)


if __name__ == "__main__":
    main()
