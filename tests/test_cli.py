"""The `archive` command through click's runner, on real indexes in tmp_path."""

import csv
import json

import pytest
from click.testing import CliRunner

from web.cli import main

from .helpers import SEED, write_jsonl


@pytest.fixture()
def runner():
    return CliRunner()


@pytest.fixture()
def index_dir(tmp_path, runner):
    src = tmp_path / "src"
    src.mkdir()
    (src / SEED.name).write_bytes(SEED.read_bytes())
    write_jsonl(src / "more.jsonl", [
        {"id": f"g{i}", "title": f"غزة خبر {i}", "body": f"تقرير رقم {i} من غزة.",
         "date": f"2018-03-{i + 1:02d}T10:00:00", "source": "Test"}
        for i in range(25)
    ])
    result = runner.invoke(main, ["reindex", str(src), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    return tmp_path / "ix"


def test_reindex_summary_and_second_run_unchanged(runner, index_dir, tmp_path):
    result = runner.invoke(main, ["reindex", str(tmp_path / "src"), "--index", str(index_dir)])
    assert result.exit_code == 0
    assert "added 0, updated 0, unchanged 26, removed 0, skipped 0" in result.output


def test_reindex_reports_bad_input_and_exits_non_zero(runner, tmp_path):
    src = tmp_path / "src"
    write_jsonl(src / "ok.jsonl", [{"id": "a", "title": "عنوان", "body": "نص"}])
    (src / "bad.jsonl").write_text('{"id": "b", "title": "x"}\n{oops\n', encoding="utf-8")
    (src / "empty.txt").write_text("", encoding="utf-8")
    result = runner.invoke(main, ["reindex", str(src), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert "added 2" in result.output and "skipped 2" in result.output
    assert f"{(src / 'bad.jsonl').resolve()}:2: invalid JSON" in result.output
    assert f"{(src / 'empty.txt').resolve()}: empty file" in result.output


def test_reindex_full_flag(runner, index_dir, tmp_path):
    result = runner.invoke(main, ["reindex", str(tmp_path / "src"), "--index", str(index_dir),
                                  "--full"])
    assert result.exit_code == 0 and "added 26" in result.output


def test_search_json_shape(runner, index_dir):
    result = runner.invoke(main, ["search", "غَالَانْت", "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "غَالَانْت" and data["total"] == 1
    hit = data["hits"][0]
    assert {"id", "title", "score", "date", "source", "snippet", "persons", "places",
            "organizations"} <= set(hit)
    assert "<mark" in hit["snippet"]
    assert set(data["facets"]) >= {"person", "place", "organization", "source"}
    assert all({"value", "count"} <= set(v) for v in data["facets"]["person"])


def test_search_entities_come_from_the_extractor(runner, index_dir):
    data = json.loads(runner.invoke(
        main, ["search", "غالانت", "--index", str(index_dir), "--json"]).output)
    labels = {v["label"] for v in data["facets"]["person"]}
    assert {"أنتوني بلينكن", "بنيامين نتنياهو"} <= labels


def test_search_text_output_and_paging(runner, index_dir):
    result = runner.invoke(main, ["search", "غزة", "--index", str(index_dir), "--limit", "5",
                                  "--page", "2"])
    assert result.exit_code == 0 and "26 نتيجة" in result.output


def test_search_without_index_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(main, ["search", "غزة", "--index", str(tmp_path / "none")])
    assert result.exit_code != 0 and "archive reindex" in result.output


def test_batch_plain_lines_and_json_lines(runner, index_dir, tmp_path):
    batch = tmp_path / "q.txt"
    batch.write_text('غالانت\n\n{"id": "x1", "query": "غزة"}\n{bad\n', encoding="utf-8")
    result = runner.invoke(main, ["search", "--batch", str(batch), "--index", str(index_dir),
                                  "--limit", "3"])
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [(r["id"], r["total"]) for r in lines] == [("1", 1), ("x1", 26)]
    assert len(lines[1]["hits"]) == 3
    assert "line 4" in result.output


def test_batch_from_stdin(runner, index_dir):
    result = runner.invoke(main, ["search", "--batch", "-", "--index", str(index_dir)],
                           input="غالانت\n")
    assert json.loads(result.output.splitlines()[0])["total"] == 1


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_export_writes_every_hit_not_one_page(runner, index_dir, tmp_path, suffix):
    out = tmp_path / f"hits.{suffix}"
    result = runner.invoke(main, ["search", "غزة", "--index", str(index_dir), "--limit", "5",
                                  "--export", str(out)])
    assert result.exit_code == 0 and "wrote 26 hits" in result.output
    text = out.read_text(encoding="utf-8")
    rows = (list(csv.DictReader(text.splitlines())) if suffix == "csv"
            else [json.loads(line) for line in text.splitlines()])
    assert len(rows) == 26 and all(row["id"] for row in rows)


def test_entities_lists_canonical_names_with_variants(runner, index_dir):
    result = runner.invoke(main, ["entities", "--top", "50", "--index", str(index_dir),
                                  "--json"])
    rows = json.loads(result.output)
    blinken = next(r for r in rows if r["label"] == "أنتوني بلينكن")
    assert blinken["kind"] == "person" and blinken["docs"] == 1


@pytest.mark.parametrize("command", ["reindex", "search", "serve", "entities"])
def test_every_command_has_help_with_an_example(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output
