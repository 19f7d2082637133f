"""Readers: every format, every encoding, bad input, recursion, footers, the real corpus."""

from __future__ import annotations

import codecs
import gzip
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path

import pytest

from archive.models import Article
from archive.readers import (
    FOOTER_MAX_CHARS,
    SUPPORTED_SUFFIXES,
    Skipped,
    decode_text,
    read_sources,
    strip_footer,
)

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_04c1b4fd56738f6d.txt"
CORPUS = REPO.parent / "shared" / "data" / "corpus" / "ant-multisource-002.jsonl.gz"

TITLE = "وزير الخارجية يزور القاهرة لبحث التهدئة"
BODY = ("وصل الوزير صباح الثلاثاء في زيارة تستمر يومين، ويلتقي المسؤولين المصريين.\n\n"
        "وقال مصدر دبلوماسي إنّ المحادثات ستتناول ملف المساعدات الإنسانية «والمعابر».")

HTML_PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head><meta charset="{charset}"><title>وكالة الأنباء | {title}</title>
<meta property="article:published_time" content="2024-10-22T09:30:00+03:00"></head>
<body>
<nav><a href="/">الرئيسية</a> <a href="/sport">رياضة</a> <a href="/economy">اقتصاد</a></nav>
<article>
<h1>{title}</h1>
<p>وصل وزير الخارجية إلى القاهرة صباح الثلاثاء في زيارة تستمر يومين يلتقي خلالها كبار
المسؤولين المصريين لبحث ملفات المنطقة.</p>
<p>وقال مصدر دبلوماسي إن المحادثات ستتناول جهود التهدئة وملف المساعدات الإنسانية
والمعابر الحدودية بين البلدين.</p>
<p>وأضاف المصدر أن الجانبين سيبحثان كذلك التعاون الاقتصادي وسبل تعزيز العلاقات الثنائية.</p>
</article>
<footer><p>جميع الحقوق محفوظة © 2024 وكالة الأنباء</p><a href="/privacy">سياسة الخصوصية</a>
</footer>
</body></html>
"""


def run(*paths: Path | str) -> tuple[list[Article], list[Skipped]]:
    """Read ``paths`` and split the results into articles and skipped inputs."""
    results = list(read_sources(paths))
    assert all(isinstance(r, Article | Skipped) for r in results)
    return ([r for r in results if isinstance(r, Article)],
            [r for r in results if isinstance(r, Skipped)])


def write(path: Path, content: str | bytes) -> Path:
    """Create ``path`` (and its folders) with UTF-8 text or raw bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return path


def jsonl(*items: object) -> str:
    return "\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n"


# --------------------------------------------------------------------------- Skipped


@pytest.mark.parametrize(("skipped", "text"), [
    (Skipped("/a/b.jsonl", 7, "invalid JSON: x"), "/a/b.jsonl:7: invalid JSON: x"),
    (Skipped("/a/b.txt", None, "empty file"), "/a/b.txt: empty file"),
])
def test_skipped_str(skipped: Skipped, text: str) -> None:
    assert str(skipped) == text


# --------------------------------------------------------------------------- plain text


def test_txt_title_body_id_origin(tmp_path: Path) -> None:
    path = write(tmp_path / "001_abc.txt", f"\n\n{TITLE}\n\n{BODY}\n")
    [article], skipped = run(path)
    assert skipped == []
    assert (article.id, article.title, article.body) == ("001_abc", TITLE, BODY)
    assert article.date is None
    assert article.origin == str(path.resolve())


def test_txt_collapses_runs_of_blank_lines_but_keeps_paragraphs(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "عنوان\r\n\r\nفقرة أولى   \r\n\r\n\r\n\r\nفقرة ثانية\r\n")
    [article], _ = run(path)
    assert article.body == "فقرة أولى\n\nفقرة ثانية"


def test_seed_footer_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / SEED.name
    shutil.copy(SEED, path)
    [article], skipped = run(path)
    assert skipped == []
    assert article.id == "000_04c1b4fd56738f6d"
    assert article.title == "غالانت يحث واشنطن على دعم إسرائيل بعد هجومها المتوقع على إيران"
    assert article.body.startswith("حث وزير الدفاع الإسرائيلي يوآف غالانت")
    assert article.body.endswith("ومجاعة قتلت عشرات الأطفال والمسنين.")
    for footer_text in ("التعليقات", "اترك تعليق", "لن يتم نشر", "الحقول الإلزامية"):
        assert footer_text not in article.body
    # Only the footer went: every other line of the seed is still there.
    original = SEED.read_text(encoding="utf-8")
    kept = original[: original.index("التعليقات")].strip().split("\n", 1)[1].strip()
    assert article.body == kept


@pytest.mark.parametrize("footer", [
    "التعليقات\n\nاترك تعليقاً\n\n"
    "لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *",
    "اترك تعليقا",
    "أضف تعليق",
    "إضف تعليقاً",  # hamza below instead of above
    "التَّعْلِيقَاتُ (3)",  # harakat and a count
    "لن يتم نشر عنوان بريدك الالكتروني.",  # no hamza
    "التعليقات:\nأحمد: مقال رائع\nسارة: شكراً على التغطية",  # the comments themselves too
])
def test_footer_variants_are_stripped(footer: str) -> None:
    text = f"{BODY}\n\n{footer}"
    assert strip_footer(text) == BODY


@pytest.mark.parametrize("text", [
    # A subheading «التعليقات» followed by a long stretch of article is article text.
    "مقدمة المقال.\n\nالتعليقات\n\n" + "وتابع المتحدث حديثه عن مواقع التواصل الاجتماعي. " * 15,
    # Mentioning comments in a sentence is never a footer, even at the very end.
    BODY + "\n\nوقد أثارت التعليقات على مواقع التواصل جدلاً واسعاً.",
    BODY + "\n\nاترك تعليقاً على هذا الخبر كان عنوان حملة أطلقتها الصحيفة العام الماضي.",
    BODY,
])
def test_text_that_is_not_a_trailing_footer_is_kept(text: str) -> None:
    assert strip_footer(text) == text


def test_footer_mid_text_is_kept_when_read_from_file(tmp_path: Path) -> None:
    body = "مقدمة.\n\nالتعليقات\n\n" + "نص المقال يستمر هنا بعد العنوان الفرعي. " * 20
    assert len(body) > FOOTER_MAX_CHARS
    [article], _ = run(write(tmp_path / "a.txt", f"{TITLE}\n\n{body}"))
    assert article.body == body.strip()


# --------------------------------------------------------------------------- JSON, JSON Lines


def test_json_single_object(tmp_path: Path) -> None:
    item = {"id": "x1", "title": TITLE, "body": BODY, "date": "2018-06-21T23:40:11+00:00",
            "source": "Sky News Arabia", "url": "https://example.com/a", "category": "sport"}
    path = write(tmp_path / "one.json", json.dumps(item, ensure_ascii=False))
    [article], skipped = run(path)
    assert skipped == []
    assert article.model_dump(include=set(item) - {"date"}) == {
        k: v for k, v in item.items() if k != "date"}
    assert article.date == datetime(2018, 6, 21, 23, 40, 11, tzinfo=UTC)
    assert article.origin == str(path.resolve())


def test_json_list_with_and_without_ids(tmp_path: Path) -> None:
    items = [{"id": 42, "title": "أ"}, {"title": "ب", "body": None},
             {"id": None, "title": None, "body": "ج"}]
    [a, b, c], skipped = run(write(tmp_path / "many.json", json.dumps(items)))
    assert skipped == []
    assert [a.id, b.id, c.id] == ["42", "many-2", "many-3"]
    assert [(a.title, a.body), (b.title, b.body), (c.title, c.body)] == [
        ("أ", ""), ("ب", ""), ("", "ج")]


@pytest.mark.parametrize("name", ["feed.jsonl", "feed.jsonl.gz"])
def test_jsonl_ids_blank_lines_and_fields(tmp_path: Path, name: str) -> None:
    text = jsonl({"id": "k1", "title": "أ", "date": "2018-06-21T23:42:23+04:00"}) + "\n  \n" \
        + jsonl({"title": "ب", "body": "نص"})
    data = text.encode("utf-8")
    path = write(tmp_path / name, gzip.compress(data) if name.endswith(".gz") else data)
    [first, second], skipped = run(path)
    assert skipped == []
    assert (first.id, first.title) == ("k1", "أ")
    assert first.date == datetime(2018, 6, 21, 23, 42, 23, tzinfo=timezone(timedelta(hours=4)))
    assert (second.id, second.title, second.body) == ("feed-4", "ب", "نص")  # stem, line 4
    assert {first.origin, second.origin} == {str(path.resolve())}


@pytest.mark.parametrize("name", ["mixed.jsonl", "mixed.jsonl.gz"])
def test_jsonl_bad_lines_are_skipped_and_reading_goes_on(tmp_path: Path, name: str) -> None:
    lines = [
        json.dumps({"title": "جيد أول"}, ensure_ascii=False),  # 1
        '{"title": ',  # 2 invalid JSON
        "[1, 2]",  # 3 not an object
        '"نص"',  # 4 not an object
        json.dumps({"id": "e", "title": "", "body": "  "}),  # 5 no text
        "",  # 6 blank: ignored
        json.dumps({"title": "جيد ثان"}, ensure_ascii=False),  # 7
        json.dumps({"title": "x", "date": "2018-13-45"}),  # 8 bad date
        json.dumps({"title": 5}),  # 9 wrong type
    ]
    data = "\n".join(lines).encode("utf-8")
    path = write(tmp_path / name, gzip.compress(data) if name.endswith(".gz") else data)
    articles, skipped = run(path)
    assert [(a.id, a.title) for a in articles] == [("mixed-1", "جيد أول"), ("mixed-7", "جيد ثان")]
    origin = str(path.resolve())
    assert [(s.path, s.line) for s in skipped] == [(origin, n) for n in (2, 3, 4, 5, 8, 9)]
    reasons = [s.reason for s in skipped]
    assert reasons[0].startswith("invalid JSON: Expecting value at column")
    assert reasons[1] == "expected a JSON object, got a list"
    assert reasons[2] == "expected a JSON object, got a string"
    assert reasons[3] == "article has neither title nor body"
    assert reasons[4].startswith("date: invalid datetime")
    assert reasons[5] == "title: expected text"


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_corrupted_gzip_keeps_articles_read_before(tmp_path: Path, damage: str) -> None:
    items = [{"id": f"a{i}", "title": f"عنوان {i}", "body": f"نص المقال رقم {i} " * 20}
             for i in range(300)]
    data = bytearray(gzip.compress(jsonl(*items).encode("utf-8")))
    middle = len(data) // 2
    if damage == "truncate":
        del data[middle:]
    else:
        data[middle:middle + 50] = b"\xff" * 50
    path = write(tmp_path / "broken.jsonl.gz", bytes(data))
    articles, skipped = run(path, write(tmp_path / "ok.txt", "عنوان سليم"))
    from_gzip = [a for a in articles if a.origin == str(path.resolve())]
    assert 0 < len(from_gzip) < len(items)
    assert [a.id for a in from_gzip] == [f"a{i}" for i in range(len(from_gzip))]
    assert skipped[-1].path == str(path.resolve())
    assert skipped[-1].reason.startswith("corrupted gzip")
    assert skipped[-1].line == len(from_gzip) + 1
    assert articles[-1].title == "عنوان سليم"  # the next file is still read


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("name", ["page.html", "page.htm"])
def test_html_article_title_date_and_no_boilerplate(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, HTML_PAGE.format(charset="utf-8", title=TITLE))
    [article], skipped = run(path)
    assert skipped == []
    assert (article.id, article.title) == ("page", TITLE)
    assert article.date == datetime(2024, 10, 22, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    assert article.body.startswith("وصل وزير الخارجية إلى القاهرة")
    assert "التعاون الاقتصادي" in article.body
    assert TITLE not in article.body  # the headline is not repeated in the body
    for boilerplate in ("الرئيسية", "رياضة", "جميع الحقوق محفوظة", "سياسة الخصوصية"):
        assert boilerplate not in article.body
    assert article.origin == str(path.resolve())


def test_html_without_main_text_falls_back_to_page_title(tmp_path: Path) -> None:
    path = write(tmp_path / "bare.html",
                 '<html lang="ar"><head><title>عنوان الصفحة</title></head><body></body></html>')
    [article], skipped = run(path)
    assert skipped == []
    assert (article.id, article.title, article.body) == ("bare", "عنوان الصفحة", "")


def test_html_with_nothing_to_read_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "nothing.html", "<html><body></body></html>")
    articles, skipped = run(path)
    assert articles == []
    assert skipped == [Skipped(str(path.resolve()), None, "no article text found in HTML")]


def test_unexpected_parser_failure_becomes_skipped(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser blew up")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    page = write(tmp_path / "a.html", HTML_PAGE.format(charset="utf-8", title=TITLE))
    articles, skipped = run(page, write(tmp_path / "b.txt", TITLE))
    assert [a.id for a in articles] == ["b"]
    assert skipped == [Skipped(str(page.resolve()), None,
                               "cannot read file: RuntimeError: parser blew up")]


# --------------------------------------------------------------------------- encodings

ENCODERS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda s: s.encode("utf-8"),
    "utf-8 with BOM": lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
    "utf-16-le with BOM": lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
    "utf-16-be with BOM": lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
    "windows-1256": lambda s: s.encode("cp1256"),
}

FORMATS: dict[str, Callable[[str, str], str]] = {
    "txt": lambda title, body: f"{title}\n\n{body}\n",
    "json": lambda title, body: json.dumps({"title": title, "body": body}, ensure_ascii=False),
    "jsonl": lambda title, body: jsonl({"title": title, "body": body}),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("encoding", ENCODERS)
def test_every_encoding_reads_back_the_same_article(tmp_path: Path, encoding: str,
                                                    fmt: str) -> None:
    data = ENCODERS[encoding](FORMATS[fmt](TITLE, BODY))
    [article], skipped = run(write(tmp_path / f"a.{fmt}", data))
    assert skipped == []
    assert (article.title, article.body) == (TITLE, BODY)


@pytest.mark.parametrize("encoding", ["utf-8 with BOM", "utf-16-le with BOM", "utf-16-be with BOM"])
def test_encoded_jsonl_gz(tmp_path: Path, encoding: str) -> None:
    data = ENCODERS[encoding](jsonl({"title": TITLE, "body": BODY}, {"title": "ثان"}))
    articles, skipped = run(write(tmp_path / "a.jsonl.gz", gzip.compress(data)))
    assert skipped == []
    assert [(a.title, a.body) for a in articles] == [(TITLE, BODY), ("ثان", "")]


def test_windows_1256_html(tmp_path: Path) -> None:
    page = HTML_PAGE.format(charset="windows-1256", title=TITLE).replace("©", "(c)")
    [article], _ = run(write(tmp_path / "a.html", page.encode("cp1256")))
    assert article.title == TITLE
    assert "المساعدات الإنسانية" in article.body


@pytest.mark.parametrize("text", ["مرحبا", "مسؤول", TITLE, f"{TITLE}\n\n{BODY}"])
def test_short_windows_1256_text_is_arabic(text: str) -> None:
    # charset-normalizer alone reads b"\xe3\xd1\xcd\xc8\xc7" (مرحبا) as Japanese cp932.
    assert decode_text(text.encode("cp1256")) == text


def test_non_arabic_legacy_text_is_not_forced_into_windows_1256() -> None:
    text = "Größe der Straße für Übungen in Köln"
    assert decode_text(text.encode("cp1252")) == text


# --------------------------------------------------------------------------- bad input

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

BAD_FILES = [
    # (file name, content, start of the reason)
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b" \n\t\r\n  ", "empty file"),
    ("bom-only.txt", codecs.BOM_UTF8 + b"\n", "empty file"),
    ("utf16-blank.txt", codecs.BOM_UTF16_LE + " \n ".encode("utf-16-le"), "empty file"),
    ("empty.jsonl", b"", "empty file"),
    ("blank.jsonl", b"\n\n", "empty file"),
    ("empty.json", b"", "empty file"),
    ("empty.html", b"   ", "empty file"),
    ("empty.jsonl.gz", gzip.compress(b""), "empty file"),
    ("image.txt", PNG, "binary file (PNG image)"),
    ("image.html", PNG, "binary file (PNG image)"),
    ("nul.json", b'{"title": "x"}\x00\x00\x01', "binary file (contains NUL bytes)"),
    ("controls.txt", bytes(range(1, 9)) * 20, "binary file (control characters)"),
    ("bad.json", b'{"title": "x",', "invalid JSON: Expecting property name"),
    ("scalar.json", b"42", "JSON value is a number"),
    ("string.json", b'"\xd9\x86\xd8\xb5"', "JSON value is a string"),
    ("empty-list.json", b"[]", "empty JSON list"),
    ("no-text.json", b'{"id": "x", "title": "", "body": "  "}',
     "article has neither title nor body"),
    ("bad-date.json", b'{"title": "x", "date": "yesterday"}', "date: invalid datetime"),
    ("bom-then-cp1256.txt", codecs.BOM_UTF8 + TITLE.encode("cp1256"), "undecodable"),
    ("odd-utf16.txt", codecs.BOM_UTF16_LE + b"a\x00b", "undecodable"),
    ("not-gzip.jsonl.gz", b'{"title": "x"}\n', "corrupted gzip"),
    ("image.jsonl.gz", PNG, "corrupted gzip"),
]


@pytest.mark.parametrize(("name", "content", "reason"), BAD_FILES,
                         ids=[case[0] for case in BAD_FILES])
def test_bad_file_is_skipped_and_good_ones_still_land(tmp_path: Path, name: str,
                                                      content: bytes, reason: str) -> None:
    bad = write(tmp_path / "in" / name, content)
    before = write(tmp_path / "in" / "0-good.txt", "خبر أول")
    after = write(tmp_path / "in" / "z-good.jsonl", jsonl({"title": "خبر أخير"}))
    articles, skipped = run(tmp_path / "in")
    assert [a.origin for a in articles] == [str(before.resolve()), str(after.resolve())]
    assert len(skipped) == 1
    assert skipped[0].path == str(bad.resolve())
    assert skipped[0].line is None
    assert skipped[0].reason.startswith(reason), skipped[0].reason


def test_bad_items_in_a_json_list_are_skipped_one_by_one(tmp_path: Path) -> None:
    items = [{"title": "أ"}, 7, {"body": ""}, {"title": "د", "date": "2018-02-30"}, {"body": "هـ"}]
    path = write(tmp_path / "list.json", json.dumps(items, ensure_ascii=False))
    articles, skipped = run(path)
    assert [(a.id, a.title or a.body) for a in articles] == [("list-1", "أ"), ("list-5", "هـ")]
    assert [(s.path, s.line) for s in skipped] == [(str(path.resolve()), None)] * 3
    assert [s.reason.split(":")[0] for s in skipped] == ["item 2", "item 3", "item 4"]
    assert skipped[0].reason == "item 2: expected a JSON object, got a number"
    assert skipped[1].reason == "item 3: article has neither title nor body"
    assert skipped[2].reason.startswith("item 4: date: invalid datetime")


def test_missing_path_and_explicit_unsupported_file(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", TITLE)
    readme = write(tmp_path / "README.md", "# notes")
    missing = tmp_path / "nope" / "gone.jsonl"
    articles, skipped = run(missing, readme, good)
    assert [a.id for a in articles] == ["good"]
    assert skipped == [
        Skipped(str(missing.resolve()), None, "no such file or directory"),
        Skipped(str(readme.resolve()), None,
                "unsupported file type (expected one of " + ", ".join(SUPPORTED_SUFFIXES) + ")"),
    ]


# --------------------------------------------------------------------------- folders


def test_folders_are_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    write(root / "b.txt", "ب")
    write(root / "a" / "z.txt", "ي")
    write(root / "a" / "deeper" / "c.json", json.dumps({"id": "c", "title": "ج"}))
    write(root / "c" / "d.jsonl.gz", gzip.compress(jsonl({"id": "d", "title": "د"}).encode()))
    write(root / "c" / "e.HTML", HTML_PAGE.format(charset="utf-8", title=TITLE))
    # Ignored silently: unknown suffixes, hidden files and folders.
    write(root / "README.md", "# read me")
    write(root / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(root / "a" / "notes.docx", b"PK\x03\x04")
    write(root / ".cache" / "old.txt", "قديم")
    articles, skipped = run(root)
    assert skipped == []
    assert [a.id for a in articles] == ["c", "z", "b", "d", "e"]
    assert articles[0].origin == str((root / "a" / "deeper" / "c.json").resolve())


def test_files_and_folders_mixed_keep_argument_order(tmp_path: Path) -> None:
    write(tmp_path / "dir" / "b.txt", "ب")
    write(tmp_path / "dir" / "a.txt", "أ")
    single = write(tmp_path / "single.txt", "م")
    articles, _ = run(single, str(tmp_path / "dir"))
    assert [a.id for a in articles] == ["single", "a", "b"]


# --------------------------------------------------------------------------- real corpus


@pytest.mark.shared
def test_real_corpus_first_200_lines() -> None:
    if not CORPUS.exists():
        pytest.skip(f"needs ../shared (corpus not found at {CORPUS})")
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        raw = [json.loads(line) for line in islice(fh, 200)]
    results = list(islice(read_sources([CORPUS]), 200))
    assert all(isinstance(r, Article) for r in results), [str(r) for r in results][:3]
    assert [r.id for r in results] == [item["id"] for item in raw]
    for article, item in zip(results, raw, strict=True):
        assert (article.title, article.body) == (item["title"].strip(), item["body"].strip())
        assert article.date is not None and article.date.tzinfo is not None
        assert article.origin == str(CORPUS.resolve())
