"""CLI commands for entity extraction; registered on the ``archive`` group in web/cli.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from archive.settings import EntitySetting

from .cli_options import entities_option
from .enrich import enricher

if TYPE_CHECKING:
    from archive.entities import Mention


@click.command("extract")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--jsonl", is_flag=True,
              help='Input lines {"id", "text"}; output one line per input line.')
@entities_option
def extract_cmd(source: TextIO, jsonl: bool, entities: EntitySetting | None) -> None:
    """Extract person, place and organisation mentions from Arabic text.

    \b
    Examples:
      echo "قال بلينكن في واشنطن" | archive extract
      archive extract --jsonl articles.jsonl > entities.jsonl
      archive extract --entities accurate < article.txt
    """
    extract = enricher(entities).extractor.extract

    if not jsonl:
        mentions = [_mention_dict(m) for m in extract(source.read())]
        click.echo(json.dumps(mentions, ensure_ascii=False, indent=1))
        return
    failed = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            doc_id, text = record["id"], record["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            failed += 1
            click.echo(f"line {number}: skipped, not a {{\"id\", \"text\"}} JSON object ({exc})",
                       err=True)
            continue
        found = [_mention_dict(m) for m in extract(text)]
        click.echo(json.dumps({"id": doc_id, "entities": found}, ensure_ascii=False))
    if failed:
        raise click.ClickException(f"{failed} bad line(s) skipped")


def _mention_dict(m: Mention) -> dict[str, object]:
    return {"start": m.start, "end": m.end, "kind": m.kind, "text": m.text,
            "canonical": m.canonical, "facet": m.facet}


@click.command("eval-ner")
@click.argument("conll", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@entities_option
def eval_ner_cmd(conll: Path, as_json: bool, entities: EntitySetting | None) -> None:
    """Score the entity extractor on a CoNLL file (token<TAB>tag; PERS, LOC, ORG).

    \b
    Example:
      archive eval-ner ../shared/data/ner/aqmar/dev.conll --json
      archive eval-ner ../shared/data/ner/aqmar/dev.conll --entities accurate
    """
    from archive.ner_eval import evaluate

    report = evaluate(conll, enricher(entities).extractor.extract)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False) if as_json else report.table())


@click.command("train-ner")
@click.argument("conll", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the model (the shipped one is archive/data/ner.crfsuite).")
def train_ner_cmd(conll: Path, out: Path) -> None:
    """Train the entity CRF on a CoNLL file.

    \b
    Example:
      archive train-ner ../shared/data/ner/anercorp/train.conll --out var/ner.crfsuite
    """
    from archive.ner_eval import read_conll
    from archive.ner_train import train

    train(read_conll(conll), out)
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes)", err=True)
