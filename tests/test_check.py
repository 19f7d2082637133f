"""`archive check` through click's runner, on real indexes built by `archive reindex`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import main
from web.cli_check import DIFFERENT

from .helpers import SEED, write_jsonl

SEED_ID = SEED.stem


def _articles(n: int = 25, changed: int | None = None) -> list[dict]:
    return [{"id": f"g{i}", "title": f"غزة خبر {i}",
             "body": f"تقرير رقم {i} من غزة." + (" تعديل" if i == changed else ""),
             "date": f"2018-03-{i % 28 + 1:02d}T10:00:00", "source": "Test"} for i in range(n)]


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture()
def src(tmp_path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    write_jsonl(folder / "more.jsonl", _articles())
    return folder


@pytest.fixture()
def ix(tmp_path, src) -> Path:
    built = run("reindex", src, "--index", tmp_path / "ix")
    assert built.exit_code == 0, built.output
    return tmp_path / "ix"


def findings(result) -> list[tuple[str, str]]:
    """(kind, subject) of each finding line of the human-readable output."""
    lines = result.output.splitlines()[:-1]  # the last line is the summary
    return [tuple(line.split()[:2]) for line in lines]  # type: ignore[misc]


def segment_file(ix: Path, suffix: str) -> Path:
    [path] = [p for p in ix.iterdir() if p.name.startswith("articles_") and p.name.endswith(suffix)]
    return path


def test_an_index_fresh_from_reindex_checks_clean(ix, src):
    result = run("check", src, "--index", ix)
    assert result.exit_code == 0, result.output
    assert findings(result) == []
    assert "clean, 0 warnings" in result.output and "26 source articles" in result.output
    assert run("check", "--index", ix).exit_code == 0  # the index alone


def test_an_article_added_to_the_sources_is_missing(ix, src):
    write_jsonl(src / "new.jsonl", [{"id": "n1", "title": "جديد", "body": "خبر جديد"}])
    result = run("check", src, "--index", ix)
    assert result.exit_code == DIFFERENT
    assert findings(result) == [("missing", "n1")]


def test_a_changed_article_is_stale(ix, src):
    write_jsonl(src / "more.jsonl", _articles(changed=3))
    result = run("check", src, "--index", ix)
    assert result.exit_code == DIFFERENT
    assert findings(result) == [("stale", "g3")]
    assert "changed in" in result.output


def test_an_article_removed_from_its_file_is_orphaned(ix, src):
    write_jsonl(src / "more.jsonl", _articles()[:-1])
    result = run("check", src, "--index", ix)
    assert result.exit_code == DIFFERENT
    assert findings(result) == [("orphaned", "g24")]
    assert "no longer in" in result.output


def test_the_articles_of_a_removed_file_are_orphaned(ix, src):
    (src / SEED.name).unlink()
    result = run("check", src, "--index", ix)
    assert findings(result) == [("orphaned", SEED_ID)] and "is gone" in result.output
    assert result.exit_code == DIFFERENT


def test_articles_of_files_left_out_of_the_sources_are_orphaned(ix, src):
    result = run("check", src / "more.jsonl", "--index", ix)
    assert findings(result) == [("orphaned", SEED_ID)]
    assert "is not among the sources" in result.output


def test_inputs_reindex_skips_are_warnings_not_differences(tmp_path, src):
    (src / "bad.jsonl").write_text('{"id": "b1", "title": "x"}\n{oops\n', encoding="utf-8")
    run("reindex", src, "--index", tmp_path / "ix")  # exits 1: one line skipped
    result = run("check", src, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    assert findings(result) == [("skipped", f"{(src / 'bad.jsonl').resolve()}:2")]
    assert "(warning)" in result.output


@pytest.mark.parametrize("suffix", [".pst", "._stored.col", ".source_col.col", "._body_len.col"])
@pytest.mark.parametrize("kept", [0.25, 0.5, 0.75])
def test_a_truncated_segment_file_is_named(ix, suffix, kept):
    """Wherever the cut falls (the sizes vary with the paths stored in the index), the
    damaged file is named, once."""
    path = segment_file(ix, suffix)
    os.truncate(path, int(path.stat().st_size * kept))
    result = run("check", "--index", ix)
    assert result.exit_code == DIFFERENT
    unreadable = [line for line in result.output.splitlines() if line.startswith("unreadable")]
    assert len(unreadable) == 1 and path.name in unreadable[0], result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("suffix", [".trm", ".pst", "._stored.col", ".place_col.col",
                                    "._title_len.col"])
def test_a_deleted_segment_file_is_reported(ix, suffix):
    path = segment_file(ix, suffix)
    segment = path.name.split(".")[0]
    path.unlink()
    result = run("check", "--index", ix)
    assert result.exit_code == DIFFERENT, result.output
    unreadable = [line for line in result.output.splitlines() if line.startswith("unreadable")]
    assert unreadable and all(segment in line for line in unreadable)
    assert any(path.name in line or f"{segment}.*" in line for line in unreadable)


def _tamper_manifest(ix: Path, change) -> None:
    path = ix / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    articles = data["articles"] if "articles" in data else data
    change(articles)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_tampered_manifest_is_reported(ix):
    def change(articles):
        articles["g1"][0] = "0" * 40
        del articles["g2"]
        articles["ghost"] = ["1" * 40, "/nowhere.jsonl"]
    _tamper_manifest(ix, change)
    result = run("check", "--index", ix)
    assert result.exit_code == DIFFERENT
    assert sorted(findings(result)) == [("manifest", "g1"), ("manifest", "g2"),
                                        ("manifest", "ghost")]


def test_an_absent_or_broken_manifest_or_alias_table_is_reported(ix):
    (ix / "manifest.json").unlink()
    (ix / "aliases.json").write_text("{broken", encoding="utf-8")
    result = run("check", "--index", ix)
    assert result.exit_code == DIFFERENT
    assert findings(result) == [("manifest", "manifest.json"), ("aliases", "aliases.json")]


def test_entities_of_another_extractor_are_reported(ix):
    (ix / "ENRICH_VERSION").write_text("0123456789abcdef")
    result = run("check", "--index", ix)
    assert result.exit_code == DIFFERENT
    assert findings(result) == [("entities", "ENRICH_VERSION")]
    assert "0123456789abcdef" in result.output


def test_an_index_without_entities_is_noted_or_expected(tmp_path, src):
    run("reindex", src, "--index", tmp_path / "ix", "--no-entities")
    noted = run("check", src, "--index", tmp_path / "ix")
    assert noted.exit_code == 0 and findings(noted) == [("no-entities", "ENRICH_VERSION")]
    expected = run("check", src, "--index", tmp_path / "ix", "--no-entities")
    assert expected.exit_code == 0 and findings(expected) == []


def test_expecting_no_entities_of_an_index_with_entities_is_a_difference(ix):
    result = run("check", "--index", ix, "--no-entities")
    assert result.exit_code == DIFFERENT and findings(result) == [("entities", "ENRICH_VERSION")]


def test_json_shape(ix, src):
    write_jsonl(src / "new.jsonl", [{"id": "n1", "title": "جديد", "body": "خبر جديد"}])
    result = run("check", src, "--index", ix, "--json")
    assert result.exit_code == DIFFERENT
    data = json.loads(result.output)
    assert data["engine"] == "whoosh" and data["documents"] == 26
    assert data["clean"] is False and data["differences"] == 1
    assert data["counts"]["segments"] >= 1 and data["counts"]["source articles"] == 27
    assert data["findings"] == [{"kind": "missing", "subject": "n1", "level": "difference",
                                 "detail": f"in {(src / 'new.jsonl').resolve()}, "
                                           f"not in the index"}]


def test_no_index_is_a_clear_error(tmp_path):
    result = run("check", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert "no index at" in result.output and "Traceback" not in result.output


def test_help_has_an_example():
    result = run("check", "--help")
    assert result.exit_code == 0 and "archive check seeds/" in result.output


def test_clean_again_after_an_incremental_reindex(ix, src):
    write_jsonl(src / "more.jsonl", _articles(changed=3)[1:])
    write_jsonl(src / "new.jsonl", [{"id": "n1", "title": "جديد", "body": "خبر جديد"}])
    assert run("check", src, "--index", ix).exit_code == DIFFERENT
    assert run("reindex", src, "--index", ix).exit_code == 0
    result = run("check", src, "--index", ix)
    assert result.exit_code == 0 and findings(result) == [], result.output


def test_documents_read_without_an_id_name_their_stored_file(ix):
    """Stored fields that come back without an id (a damaged column can read as empty) are
    reported against the segment's stored-fields file, not as a nameless count."""
    from whoosh import index as whoosh_index

    from index.build import INDEX_NAME, WRITER_OPTIONS

    before = {p.name for p in ix.iterdir()}
    writer = whoosh_index.open_dir(str(ix), indexname=INDEX_NAME).writer(**WRITER_OPTIONS)
    writer.add_document(title="بلا معرف", body="وثيقة بلا معرف")
    writer.commit(merge=False)
    [stored] = [name for name in {p.name for p in ix.iterdir()} - before
                if name.endswith("._stored.col")]
    result = run("check", "--index", ix)
    assert result.exit_code == DIFFERENT
    unreadable = [line for line in result.output.splitlines() if line.startswith("unreadable")]
    assert len(unreadable) == 1 and stored in unreadable[0], result.output
    assert "1 of 1 documents read without an id" in unreadable[0]


def test_accurate_entities_are_their_own_extractor(tmp_path, src):
    """`reindex --entities accurate` fills entities with the neural ensemble: `check`
    expects them with the same setting and reports them as another extractor's otherwise."""
    built = run("reindex", src, "--index", tmp_path / "ix", "--entities", "accurate")
    assert built.exit_code == 0, built.output
    same = run("check", src, "--index", tmp_path / "ix", "--entities", "accurate")
    assert same.exit_code == 0 and findings(same) == []
    other = run("check", src, "--index", tmp_path / "ix", "--entities", "fast")
    assert other.exit_code == DIFFERENT and findings(other) == [("entities", "ENRICH_VERSION")]
    found = run("search", "نتنياهو", "--index", tmp_path / "ix", "--json")
    assert found.exit_code == 0, found.output
    persons = json.loads(found.output)["facets"]["person"]
    assert any(f["value"] == "بنيامين نتنياهو" for f in persons), persons
