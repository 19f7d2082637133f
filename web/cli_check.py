"""``archive check``: the index verified against itself and its sources (`index.check`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive.readers import read_sources
from index.check import CheckReport, Expected, check_index, check_sphinx_state
from index.engine import EngineConfig, EngineName
from index.engines import open_engine
from index.store import resolve

from .cli_options import engine_options, entities_option
from .enrich import NO_ENTITIES, enricher

DIFFERENT = 3  # exit status when the check found differences (1 is an error, 2 a usage error)


@click.command("check")
@click.argument("sources", nargs=-1, type=click.Path())
@engine_options
@click.option("--no-entities", is_flag=True,
              help="Expect an index built with --no-entities (else: entities of the current "
                   "extractor; an index without entities is then only noted).")
@entities_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the index's stats and every finding as JSON.")
def check_cmd(sources, engine, no_entities, entities, as_json) -> None:
    """Verify the index against itself and, given SOURCES, against them; print each
    difference (kind, id or file, detail) and a summary.

    Reads every segment of the index through (terms, postings, stored fields, columns),
    compares manifest.json with the stored articles, and checks aliases.json and which
    extractor filled the entities. With SOURCES (read as `archive reindex` reads them):
    missing, stale (changed or moved) and orphaned articles. Inputs reindex would skip are
    warnings. Sphinx: each node's health, plus the state's manifest against SOURCES.

    Exit status: 0 clean, 3 differences found, 1 no index or a node down.

    \b
    Example:
      archive check seeds/ --index var/index
      archive check --json | jq .findings
      archive check --engine sphinx --nodes var/nodes
    """
    items = read_sources([Path(s) for s in sources]) if sources else None
    expected = Expected(NO_ENTITIES if no_entities else enricher(entities).version, NO_ENTITIES)
    failed: list[dict] = []
    if engine.name is EngineName.SPHINX:
        stats = open_engine(engine).stats()
        failed = [n for n in stats.get("nodes", []) if n.get("error")]
        report = check_sphinx_state(engine.index_dir, items, expected)
    else:
        report = check_index(engine.index_dir, items, expected)
        stats = {"engine": EngineName.WHOOSH.value, "index": str(resolve(engine.index_dir)),
                 "documents": report.counts["documents"]}
    _print(report, stats, engine, as_json)
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(stats['nodes'])} nodes did not "
                                   f"answer: " + "; ".join(n["error"] for n in failed))
    if not report.clean:
        sys.exit(DIFFERENT)


def _print(report: CheckReport, stats: dict, engine: EngineConfig, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({**stats, **report.as_dict()}, ensure_ascii=False, indent=2))
        return
    for node in stats.get("nodes", []):
        click.echo(f"{'node':<11} {node['address']}  "
                   + (node.get("error") or f"{node['documents']} documents"))
    for finding in report.findings:
        level = "" if finding.level == "difference" else f" ({finding.level})"
        click.echo(f"{finding}{level}")
    click.echo(f"{stats['engine']} index {engine.index_dir}: {report.summary()}")
