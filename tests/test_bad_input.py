"""Bad input corpus (issue 12, item 3): many kinds of bad files beside good articles in every
format, through the real ``archive reindex`` in a subprocess.

Each bad input must be reported with its path and a meaningful reason, every good article
must be indexed and searchable, the exit status must be the one for "some input skipped",
the run must end, and its peak memory must stay bounded (two 50 MB single lines in it).
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archive.readers.common import MAX_ARTICLE_BYTES, MB
from index.search import ArchiveSearcher, SearchRequest

from .helpers import SEED

DEPTH = 1000  # os.walk recursed before Python 3.12 and hit the recursion limit here
BIG_MB = 50
RUN_TIMEOUT_S = 300
# Peak RSS growth of the whole run. Reading one 50 MB line whole and indexing it grew the
# process by about 500 MB; bounded readers stay far below that.
MAX_GROWTH_MB = 250

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
TITLE = "وزير الخارجية يزور القاهرة لبحث التهدئة"
HTML = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{title}</title></head><body><nav><a href="/">الرئيسية</a></nav><article>
<h1>{title}</h1>
<p>وصل الوفد إلى المدينة صباح الثلاثاء في زيارة تستمر يومين يلتقي خلالها كبار المسؤولين
لبحث ملفات المنطقة والتعاون الاقتصادي بين البلدين وسبل تعزيز العلاقات الثنائية.</p>
<p>وقال مصدر مطلع إن المحادثات ستتناول جهود التهدئة وملف المساعدات الإنسانية والمعابر
الحدودية، مضيفا أن الجانبين سيصدران بيانا مشتركا في ختام الزيارة.</p>
</article></body></html>"""

# The driver runs `archive reindex` as the command line would. After the walk has listed
# the files it applies the planned changes (a file vanishes, becomes a folder or a broken
# link), then records the peak RSS the run added.
DRIVER = """
import json, os, resource, sys
from pathlib import Path

import trafilatura  # noqa: F401  imported before the baseline, as any HTML input needs it
import archive.readers.sources as sources
from web.cli import main

changes = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
listed_by = sources._walk


def walk_then_change(root):
    listed = listed_by(root)
    names = {str(item) for item in listed}
    for action, path in changes:
        assert path in names, f"not listed: {path}"
        os.remove(path)
        if action == "folder":
            os.mkdir(path)
        elif action == "broken link":
            os.symlink(path + ".gone", path)
    return listed


sources._walk = walk_then_change
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    main(sys.argv[3:], prog_name="archive")
finally:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path(sys.argv[2]).write_text(json.dumps({"before_kb": before, "peak_kb": peak}))
"""


def jsonl(*items: object) -> bytes:
    return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode("utf-8")


@dataclass
class Corpus:
    """The corpus folder being built: good articles by id, and changes for during the run."""

    root: Path
    good: dict[str, str] = field(default_factory=dict)  # id → title
    changes: list[tuple[str, str]] = field(default_factory=list)

    def write(self, relative: str, data: bytes | str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def article(self, doc_id: str, title: str) -> dict:
        """A good article, recorded as expected in the index."""
        self.good[doc_id] = title
        return {"id": doc_id, "title": title, "body": f"{title}. نص الخبر الكامل هنا."}

    def txt(self, relative: str, title: str) -> Path:
        path = self.write(relative, f"{title}\n\n{title}. نص الخبر الكامل هنا.\n")
        self.good[path.name.removesuffix(".txt")] = title
        return path

    def big_file(self, relative: str, head: bytes, tail: bytes) -> Path:
        """``head``, then one line of BIG_MB MB of Arabic text, then ``tail``; written in
        pieces so the test does not hold it either."""
        path = self.root / relative
        chunk = ("خبر عاجل عن المفاوضات " * (MB // 40)).encode("utf-8")[:MB]
        with path.open("wb") as fh:
            fh.write(head)
            for _ in range(BIG_MB):
                fh.write(chunk)
            fh.write(tail)
        return path


Where = tuple[Path, int | None]  # a reported path, and its line for JSON Lines


# --------------------------------------------------------------------------- bad files


def empty(c: Corpus) -> Where:
    return c.write("empty.txt", b""), None


def whitespace_only(c: Corpus) -> Where:
    return c.write("blank.txt", b" \n\t\r\n  \n"), None


def empty_gzip(c: Corpus) -> Where:
    return c.write("nothing.jsonl.gz", gzip.compress(b"")), None


def binary_image(c: Corpus) -> Where:
    return c.write("photo.txt", PNG + bytes(range(256)) * 4), None


def nul_bytes(c: Corpus) -> Where:
    return c.write("nul.txt", TITLE.encode() + b"\x00\x00\x00" + TITLE.encode()), None


def control_characters(c: Corpus) -> Where:
    return c.write("controls.txt", bytes(range(1, 9)) * 50), None


def truncated_gzip(c: Corpus) -> Where:
    # The first gzip member is whole: its two articles are read before the cut one breaks.
    whole = gzip.compress(jsonl(c.article("gz-cut-1", "نتائج الانتخابات البلدية"),
                                c.article("gz-cut-2", "افتتاح معرض الكتاب الدولي")))
    cut = gzip.compress(jsonl({"id": "lost", "title": "x", "body": os.urandom(20_000).hex()}))
    return c.write("truncated.jsonl.gz", whole + cut[: len(cut) // 2]), 3


def not_gzip(c: Corpus) -> Where:
    return c.write("plain-text.jsonl.gz", jsonl({"title": "ليس مضغوطا"})), None


def gzip_without_gz_suffix(c: Corpus) -> Where:
    return c.write("compressed.jsonl", gzip.compress(jsonl({"title": "مضغوط"}))), None


def invalid_utf8_in_utf8(c: Corpus) -> Where:
    return c.write("bad-byte.txt", f"{TITLE}\n\n".encode() + b"\xff\xfe" + TITLE.encode()), None


def mixed_encodings(c: Corpus) -> Where:
    return c.write("mixed.txt", f"{TITLE}\n\n".encode() + TITLE.encode("cp1256")), None


def invalid_utf8_in_a_json_line(c: Corpus) -> Where:
    line = json.dumps({"title": TITLE}, ensure_ascii=False).encode().replace(b"\xd9", b"\xff", 1)
    good = jsonl(c.article("line-ok-1", "هطول أمطار غزيرة على العاصمة"))
    return c.write("bad-line-bytes.jsonl", good + line + b"\n"), 2


def bom_contradicted(c: Corpus) -> Where:
    return c.write("bom-then-cp1256.txt", codecs.BOM_UTF8 + TITLE.encode("cp1256")), None


def truncated_utf16(c: Corpus) -> Where:
    return c.write("odd-utf16.txt", codecs.BOM_UTF16_LE + TITLE.encode("utf-16-le")[:-1]), None


def huge_txt_line(c: Corpus) -> Where:
    return c.big_file("huge.txt", "عنوان\n".encode(), b"\n"), None


def huge_json_line(c: Corpus) -> Where:
    head = jsonl(c.article("big-1", "ارتفاع أسعار الذهب عالميا")) + b'{"title": "x", "body": "'
    tail = b'"}\n' + jsonl(c.article("big-3", "منتخب الشباب يتأهل إلى النهائي"))
    return c.big_file("huge-line.jsonl", head, tail), 2


def huge_json_item(c: Corpus) -> Where:
    items = [c.article("list-ok", "اكتشاف أثري جديد في الصحراء"),
             {"title": "x", "body": "ب" * (MAX_ARTICLE_BYTES + 1)}]
    return c.write("huge-item.json", json.dumps(items, ensure_ascii=False)), None


def broken_json(c: Corpus) -> Where:
    return c.write("broken.json", '{"title": "عنوان", "body": '), None


def broken_json_line(c: Corpus) -> Where:
    good = jsonl(c.article("broken-ok-1", "تراجع معدلات البطالة في الربع الأخير"))
    return c.write("broken-line.jsonl", good + b'{"title": "x",\n'), 2


def wrong_types(c: Corpus) -> Where:
    return c.write("wrong-types.jsonl", jsonl({"id": "w", "title": 5, "body": ["نص"]})), 1


def not_an_object(c: Corpus) -> Where:
    return c.write("list-line.jsonl", b"[1, 2, 3]\n"), 1


def no_text(c: Corpus) -> Where:
    return c.write("no-text.json", json.dumps({"id": "n", "title": "", "body": "  "})), None


def invalid_date(c: Corpus) -> Where:
    return c.write("bad-date.json", json.dumps({"title": "x", "date": "2018-13-45"})), None


def empty_json_list(c: Corpus) -> Where:
    return c.write("empty-list.json", b"[]"), None


def duplicate_id_across_files(c: Corpus) -> Where:
    c.write("dup/a.json", json.dumps(c.article("dup-1", "قمة عربية في الرياض"),
                                     ensure_ascii=False))
    return c.write("dup/b.jsonl", jsonl({"id": "dup-1", "title": "نسخة ثانية"})), None


def same_name_in_two_folders(c: Corpus) -> Where:
    c.txt("same-name/x/نسخة.txt", "مهرجان السينما يكرم الرواد")
    return c.write("same-name/y/نسخة.txt", "نص آخر بالاسم نفسه"), None


def html_without_text(c: Corpus) -> Where:
    page = "<html><head><script>var x = 1;</script></head><body><div></div></body></html>"
    return c.write("blank-page.html", page), None


def deep_folders(c: Corpus) -> Where:
    deep = c.root / "deep"
    for _ in range(DEPTH):  # os.makedirs recurses too
        deep = deep / "d"
        deep.mkdir(parents=True)
    c.txt(str((deep / "في العمق.txt").relative_to(c.root)), "بعثة علمية تصل إلى القطب")
    return c.write(str((deep / "empty.json").relative_to(c.root)), b""), None


def arabic_names_with_spaces(c: Corpus) -> Where:
    c.txt("أخبار اليوم/خبر عن الطقس.txt", "موجة حر تضرب المنطقة")
    return c.write("أخبار اليوم/ملف فارغ تماما.txt", b"   "), None


def fifo(c: Corpus) -> Where:
    path = c.root / "pipe.jsonl"
    os.mkfifo(path)
    return path, None


def unix_socket(c: Corpus) -> Where:
    path = c.root / "socket.txt"
    cwd = os.getcwd()
    os.chdir(c.root)  # a socket's path is limited to about 100 bytes
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(path.name)
    finally:
        os.chdir(cwd)
    return path, None


def broken_symlink(c: Corpus) -> Where:
    path = c.root / "dangling.txt"
    path.symlink_to(c.root / "no-such-target.txt")
    return path, None


def symlinked_file_loop(c: Corpus) -> list[Where]:
    (c.root / "loop-a.txt").symlink_to("loop-b.txt")
    (c.root / "loop-b.txt").symlink_to("loop-a.txt")
    return [(c.root / "loop-a.txt", None), (c.root / "loop-b.txt", None)]


def symlinked_folder_loop(c: Corpus) -> Where:
    c.txt("tree/branch/ورقة.txt", "موسم قطف الزيتون يبدأ")
    path = c.root / "tree" / "branch" / "back-to-tree"
    path.symlink_to("..")
    return path, None


def symlink_to_filesystem_root(c: Corpus) -> Where:
    path = c.root / "everything"
    path.symlink_to("/")
    return path, None


def second_link_to_a_folder(c: Corpus) -> Where:
    c.txt("real-folder/حقيقي.txt", "تدشين خط قطار جديد")
    path = c.root / "alias-of-real-folder"
    path.symlink_to("real-folder")
    return path, None


def _changed_during_run(name: str, action: str) -> Callable[[Corpus], Where]:
    def make(c: Corpus) -> Where:
        path = c.write(name, jsonl({"title": "سيختفي قبل قراءته"}))
        c.changes.append((action, str(path)))
        return path, None
    return make


KINDS: list[tuple[str, Callable[[Corpus], Where | list[Where]], str]] = [
    # (kind, file maker, expected fragment of the reason)
    ("empty file", empty, "empty file"),
    ("whitespace only", whitespace_only, "empty file"),
    ("empty gzip", empty_gzip, "empty file"),
    ("binary (PNG named .txt)", binary_image, "binary file (PNG image)"),
    ("NUL bytes", nul_bytes, "NUL bytes"),
    ("control characters", control_characters, "binary file (control characters)"),
    ("truncated gzip", truncated_gzip, "corrupted gzip"),
    ("not gzip at all", not_gzip, "corrupted gzip"),
    ("gzip without .gz", gzip_without_gz_suffix, "binary file (gzip data)"),
    ("invalid UTF-8 inside UTF-8", invalid_utf8_in_utf8, "invalid UTF-8 at byte"),
    ("mixed encodings", mixed_encodings, "mixed encodings"),
    ("invalid UTF-8 in a JSON line", invalid_utf8_in_a_json_line, "invalid UTF-8 at byte"),
    ("UTF-8 BOM over windows-1256", bom_contradicted, "not valid utf-8 despite its byte order"),
    ("truncated UTF-16", truncated_utf16, "not valid utf-16-le"),
    (f"{BIG_MB} MB single line (.txt)", huge_txt_line, "file larger than 4 MB"),
    (f"{BIG_MB} MB single line (.jsonl)", huge_json_line, "line longer than 4 MB"),
    ("oversized JSON item", huge_json_item, "item 2: article longer than 4 MB"),
    ("broken JSON", broken_json, "invalid JSON"),
    ("broken JSON line", broken_json_line, "invalid JSON"),
    ("JSON line with wrong types", wrong_types, "title: expected text; body: expected text"),
    ("JSON line not an object", not_an_object, "expected a JSON object, got a list"),
    ("article without text", no_text, "article has neither title nor body"),
    ("invalid date", invalid_date, "date: invalid datetime"),
    ("empty JSON list", empty_json_list, "empty JSON list"),
    ("duplicate id across files", duplicate_id_across_files, "duplicate id 'dup-1'"),
    ("same file name in two folders", same_name_in_two_folders, "duplicate id 'نسخة'"),
    ("HTML page with no text", html_without_text, "no article text found in HTML"),
    (f"{DEPTH} folders deep", deep_folders, "empty file"),
    ("Arabic names with spaces", arabic_names_with_spaces, "empty file"),
    ("FIFO", fifo, "not a regular file (a FIFO)"),
    ("socket", unix_socket, "not a regular file (a socket)"),
    ("broken symlink", broken_symlink, "broken symlink"),
    ("symlinked file loop", symlinked_file_loop, "symlink loop"),
    ("symlinked folder loop", symlinked_folder_loop, "symlink loop"),
    ("symlink to /", symlink_to_filesystem_root, "symlink loop (to /)"),
    ("second link to a folder", second_link_to_a_folder, "folder already read as"),
    ("vanishes during the run", _changed_during_run("vanishes.jsonl", "delete"),
     "no such file or directory"),
    ("becomes a folder during the run", _changed_during_run("becomes-folder.jsonl", "folder"),
     "not a regular file (a directory)"),
    ("becomes a broken link during the run",
     _changed_during_run("becomes-link.jsonl", "broken link"), "broken symlink"),
]

# --------------------------------------------------------------------------- good files


def add_good_articles(c: Corpus, outside: Path) -> None:
    """Good articles in every format and encoding, some beside bad ones in the same file."""
    c.write(SEED.name, SEED.read_bytes())
    c.good[SEED.stem] = "غالانت يحث واشنطن على دعم إسرائيل بعد هجومها المتوقع على إيران"
    c.txt("خبر أول بمسافات.txt", "افتتاح جسر جديد فوق النهر")
    c.write("legacy.txt", "تساقط الثلوج على المرتفعات\n\nنص.".encode("cp1256"))
    c.good["legacy"] = "تساقط الثلوج على المرتفعات"
    c.write("one.json", codecs.BOM_UTF8 + json.dumps(
        c.article("json-1", "إطلاق قمر صناعي للاتصالات"), ensure_ascii=False).encode())
    c.write("list.json", json.dumps([c.article("json-2", "توقيع اتفاقية للتجارة الحرة"),
                                     c.article("json-3", "انطلاق بطولة الشطرنج")],
                                    ensure_ascii=False))
    c.write("feed.jsonl", jsonl(c.article("jsonl-1", "تحسن ملحوظ في حركة السياحة"))
            + b"\n  \n" + jsonl(c.article("jsonl-2", "زيادة صادرات التمور")))
    c.write("feed.jsonl.gz", gzip.compress(jsonl(c.article("gz-1", "تطوير شبكة المياه"),
                                                 c.article("gz-2", "حملة تشجير واسعة"))))
    c.write("utf16.jsonl", codecs.BOM_UTF16_LE + jsonl(
        c.article("utf16-1", "ندوة عن الذكاء الاصطناعي")).decode().encode("utf-16-le"))
    # Each line in its own encoding: UTF-8, then windows-1256.
    c.write("mixed-lines.jsonl", jsonl(c.article("mixed-1", "مباحثات حول سد النهضة"))
            + json.dumps(c.article("mixed-2", "انخفاض درجات الحرارة ليلا"),
                         ensure_ascii=False).encode("cp1256") + b"\n")
    c.write("page.html", HTML.format(title="الوفد يصل إلى المدينة في زيارة رسمية"))
    c.good["page"] = "الوفد يصل إلى المدينة في زيارة رسمية"
    # A symlinked folder outside the corpus is read like any other.
    (outside / "بعيد.txt").write_text("مشروع طاقة شمسية في الجنوب\n\nنص.", encoding="utf-8")
    c.good["بعيد"] = "مشروع طاقة شمسية في الجنوب"
    (c.root / "linked outside").symlink_to(outside)


def remove_deep(root: Path) -> None:
    """Remove DEPTH nested folders bottom-up: shutil.rmtree recurses before Python 3.12."""
    deepest = root.joinpath(*["d"] * DEPTH)
    for level in range(DEPTH, -1, -1):
        folder = root.joinpath(*["d"] * level)
        if folder.is_dir():
            for entry in folder.iterdir():
                if not entry.is_dir():
                    entry.unlink()
            folder.rmdir()
    assert not deepest.exists()


# --------------------------------------------------------------------------- the run


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Build the corpus, run `archive reindex` on it once, and return what it showed."""
    base = tmp_path_factory.mktemp("bad-input").resolve()
    corpus = Corpus(base / "corpus")
    corpus.root.mkdir()
    outside = base / "outside"
    outside.mkdir()
    expected = {}
    for kind, make, reason in KINDS:
        made = make(corpus)
        for path, line in made if isinstance(made, list) else [made]:
            where = str(path) if line is None else f"{path}:{line}"
            assert where not in expected, f"two kinds report {where}"
            expected[where] = (kind, reason)
    add_good_articles(corpus, outside)
    (base / "changes.json").write_text(json.dumps(corpus.changes), encoding="utf-8")
    (base / "driver.py").write_text(DRIVER, encoding="utf-8")
    index_dir = base / "index"
    try:
        proc = subprocess.run(
            [sys.executable, str(base / "driver.py"), str(base / "changes.json"),
             str(base / "rss.json"), "reindex", str(corpus.root), "--index", str(index_dir),
             "--no-entities", "--procs", "1"],
            capture_output=True, text=True, encoding="utf-8", timeout=RUN_TIMEOUT_S,
            env={**os.environ, "PYTHONUTF8": "1"}, cwd=base)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"archive reindex did not end within {RUN_TIMEOUT_S} s: {exc.stderr!r}")
    rss = json.loads((base / "rss.json").read_text())
    yield proc, expected, corpus.good, index_dir, rss
    remove_deep(corpus.root / "deep")


def test_the_corpus_has_at_least_20_kinds_of_bad_input():
    assert len(KINDS) >= 20
    assert len({kind for kind, _, _ in KINDS}) == len(KINDS)


def test_run_ends_with_the_status_for_skipped_input(run):
    proc, expected, good, _, _ = run
    assert proc.returncode == 1, proc.stderr[-3000:]  # 1: some input skipped (archive reindex)
    assert "Traceback" not in proc.stderr
    assert f"added {len(good)}, " in proc.stderr and f"skipped {len(expected)} " in proc.stderr


def test_every_bad_input_is_reported_with_its_path_and_reason(run):
    proc, expected, _, _, _ = run
    shown = [line.removeprefix("  skipped ") for line in proc.stderr.splitlines()
             if line.startswith("  skipped ")]
    unmatched = dict(expected)
    for line in shown:
        where = next((w for w in unmatched if line.startswith(f"{w}: ")), None)
        assert where is not None, f"unexpected skip: {line}"
        kind, reason = unmatched.pop(where)
        assert reason in line[len(where) + 2:], f"{kind}: {line}"
    assert not unmatched, f"not reported: {unmatched}"
    assert len(shown) == len(expected)


def test_every_good_article_is_indexed_and_searchable(run):
    _, _, good, index_dir, _ = run
    searcher = ArchiveSearcher(index_dir)
    try:
        titles = {hit.id: hit.title for hit in searcher.export(SearchRequest())}
        assert titles == good  # exact: decoded right, nothing bad let in, nothing lost
        for doc_id, title in good.items():
            found = {hit.id for hit in searcher.export(SearchRequest(query=title))}
            assert doc_id in found, (doc_id, title)
    finally:
        searcher.close()


def test_memory_stays_bounded(run):
    _, _, _, _, rss = run
    growth_mb = (rss["peak_kb"] - rss["before_kb"]) / 1024
    assert growth_mb < MAX_GROWTH_MB, f"peak RSS grew by {growth_mb:.0f} MB"
