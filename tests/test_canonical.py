"""Facets that read right: the canonical-name table, lone given names, stop lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.arabic import normalize_phrase
from archive.entities import article_entities, entity_key, extract
from archive.entities.canonical import key_map, table_rows
from archive.entities.extractor import default_extractor
from archive.entities.keys import canonical_name, spelling_key
from archive.entities.lexicon import default_lexicon
from archive.entities.stoplist import demonym_forms
from archive.kinds import EntityKind
from web.cli_entities import extract_cmd

ROOT = Path(__file__).resolve().parents[1]
PERSON, PLACE, ORG = EntityKind.PERSON, EntityKind.PLACE, EntityKind.ORGANIZATION


@pytest.mark.parametrize(("a", "b"), [
    ("المملكة العربية السعودية", "السعودية"),
    ("الولايات المتحدة الأمريكية", "الولايات المتحدة"),
    ("الولايات المتحدة الأميركية", "الولايات المتحدة"),
    ("سورية", "سوريا"),
    ("الجمهورية العربية السورية", "سوريا"),
    ("الإمارات العربية المتحدة", "الإمارات"),
    ("جمهورية مصر العربية", "مصر"),
    ("المملكة المتحدة", "بريطانيا"),
    ("عبد ربه منصور هادي", "عبدربه منصور هادي"),
    ("سلمان بن عبد العزيز", "سلمان بن عبدالعزيز"),
    ("سلمان بن عبدالعزيز آل سعود", "سلمان بن عبدالعزيز"),
    ("أبو ظبي", "أبوظبي"),
])
def test_spellings_of_one_entity_share_a_key(a: str, b: str) -> None:
    assert entity_key(a) == entity_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("سلطنة عمان", "الأردن"), ("سوريا", "السودان"), ("الكونغو", "الكونغو الديمقراطية"),
    ("النمسا", "أستراليا"), ("مصر", "المصري"),
])
def test_different_entities_keep_their_keys(a: str, b: str) -> None:
    assert entity_key(a) != entity_key(b)


def test_every_key_is_its_own_key() -> None:
    rows = table_rows(default_lexicon())
    assert len(rows) > 200  # curated rows and the generated countries.tsv
    for _, variant, canonical in rows:
        for name in (variant, canonical):  # overridden rows (سلطنة عمان) map elsewhere
            key = entity_key(name)
            assert entity_key(key) == key, name
    assert entity_key("سلطنة عمان") != entity_key("عمان")  # the curated row wins


def test_curated_rows_override_generated_ones() -> None:
    rows = [("place", "الأراضي الفلسطينية", "فلسطين"),
            ("place", "الأراضي الفلسطينية", "دولة فلسطين"),
            ("place", "أ", "ب"), ("place", "ب", "ج")]
    table = key_map(rows, spelling_key)
    assert table[spelling_key("الأراضي الفلسطينية")] == spelling_key("فلسطين")
    assert table[spelling_key("أ")] == table[spelling_key("ب")] == spelling_key("ج")


def test_canonical_display_is_the_short_official_name() -> None:
    assert canonical_name("place", "المملكة العربية السعودية") == "السعودية"
    assert canonical_name("place", "سورية") == "سوريا"
    assert canonical_name("person", "سورية") == "سورية"  # the table is per kind
    text = ("وصل الوفد إلى المملكة العربية السعودية أمس. وقال مسؤول إن الولايات المتحدة "
            "الأمريكية تدعم الحل في سورية.")
    places = {m.canonical for m in extract(text) if m.kind == PLACE}
    assert {"السعودية", "سوريا"} <= places
    assert "المملكة العربية السعودية" not in places


def test_an_article_has_one_facet_value_for_long_and_short_names() -> None:
    body = ("أعلنت المملكة العربية السعودية عن مشروع جديد. وقال مسؤول إن السعودية "
            "ستستثمر في المشروع مع شركائها.")
    places = article_entities("خبر", body)[PLACE]
    assert [key for key, _ in places].count(entity_key("السعودية")) == 1


def test_demonyms_are_derived_from_place_names() -> None:
    assert {"السوري", "السوريه", "السوريين"} <= demonym_forms("سوريا")
    assert "كينيون" not in demonym_forms("كينيا")  # bare forms are names too (Kenyon)
    assert {"السعودي", "السعوديون"} <= demonym_forms("السعودية")
    assert {"الامريكي", "الامريكيه"} <= demonym_forms("أمريكا")
    stop = default_extractor().not_names
    assert "السعوديه" not in stop.demonyms  # a place name, not an adjective
    assert {"السعودي", "الامريكيه", "السوريه"} <= stop.demonyms


@pytest.mark.parametrize(("kind", "name"), [
    (PERSON, "الله"), (PERSON, "الله تعالى"), (ORG, "الله"), (PERSON, "رسول الله"),
    (PERSON, "وعازف الكمان"), (PERSON, "عازف الكمان"), (PERSON, "السعودي"),
    (ORG, "الأمريكية"), (ORG, "السنة"), (ORG, "الحرام"), (ORG, "السفير"), (ORG, "الوزير"),
    (ORG, "ريال"), (ORG, "دولار"), (PERSON, "بن"),
])
def test_never_a_person_or_organisation(kind: EntityKind, name: str) -> None:
    words = name.split()
    words[0] = default_extractor().clitics.strip(words[0])
    assert default_extractor().not_names.rejects(kind, " ".join(words))


def test_listed_names_are_not_stopped() -> None:
    stop = default_extractor().not_names
    lexicon = default_lexicon()
    for kind, name in [*((ORG, n) for n in lexicon.lines("orgs.txt")),
                       *((PERSON, n) for n in lexicon.lines("persons.txt")),
                       (ORG, "الجيش الأمريكي"), (ORG, "الهلال"), (ORG, "ريال مدريد"),
                       (ORG, "الريال"), (PERSON, "عبد الله"), (PERSON, "لي"),
                       (PERSON, "يوان"), (ORG, "نيسان"), (PERSON, "سلمان بن عبدالعزيز")]:
        assert not stop.rejects(kind, name), name
    assert not stop.rejects(PLACE, "السنة")  # the stop lists are for persons and orgs


def test_a_month_is_no_organisation_when_a_date_goes_on() -> None:
    stop = default_extractor().not_names
    assert stop.rejects(ORG, "نيسان", " (أبريل) 2010")
    assert not stop.rejects(ORG, "نيسان", " اليابانية")


def test_stop_words_are_dropped_from_extraction() -> None:
    text = ("وقال الشيخ إن الله تعالى أمر بالعدل. وحضر السفير الأمريكي الحفل "
            "الذي أحياه عازف الكمان في الرياض.")
    found = [(m.kind, normalize_phrase(m.canonical)) for m in extract(text)]
    bad = {normalize_phrase(w) for w in ("الله", "الله تعالى", "السفير", "عازف الكمان",
                                        "السفير الأمريكي", "الأمريكي")}
    assert not [f for f in found if f[0] in (PERSON, ORG) and f[1] in bad]


def test_lone_given_name_resolves_to_the_full_name_of_the_article() -> None:
    text = ("استقبل خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز آل سعود في الرياض "
            "أمس الرئيس اليمني عبد ربه منصور هادي. وأكد الملك سلمان دعم المملكة لليمن، "
            "فيما شكر هادي المملكة على مواقفها.")
    persons = [m for m in extract(text) if m.kind == PERSON]
    assert persons and all(m.facet for m in persons)
    keys = {entity_key(m.canonical) for m in persons}
    assert keys <= {entity_key("سلمان بن عبدالعزيز"), entity_key("عبدربه منصور هادي")}
    assert entity_key("سلمان") not in keys


def test_unresolved_lone_given_name_stays_out_of_the_facet() -> None:
    title = "افتتاح مجمع جديد"
    body = ("افتتح أمير المنطقة المشروع الجديد بحضور المسؤولين، وأشاد الحضور بدعم "
            "الملك فهد للتعليم في السابق. وقال صالح إن المشروع يخدم الطلاب.")
    mentions = extract(f"{title}\n\n{body}")
    lone = [m for m in mentions if m.kind == PERSON and m.canonical in ("فهد", "صالح")]
    assert lone and not any(m.facet for m in lone)  # still found, as text
    persons = [name for _, name in article_entities(title, body)[PERSON]]
    assert "فهد" not in persons and "صالح" not in persons


def test_cli_extract_marks_facet_values() -> None:
    line = json.dumps({"id": "a1", "text": "وقال صالح إن الاجتماع انتهى. وحضر الملك فهد."},
                      ensure_ascii=False)
    out = CliRunner().invoke(extract_cmd, ["--jsonl"], input=line + "\n")
    assert out.exit_code == 0, out.output
    entities = json.loads(out.output)["entities"]
    assert all("facet" in e for e in entities)
    assert not [e for e in entities if e["kind"] == "person" and e["facet"]
                and e["canonical"] in ("صالح", "فهد")]


def test_fingerprint_covers_the_new_data_files(tmp_path: Path) -> None:
    import shutil

    from archive.entities.config import DATA_DIR, ExtractorConfig
    from archive.entities.extractor import Extractor

    for i, name in enumerate(("canonical.tsv", "countries.tsv", "not_names.txt")):
        data = tmp_path / f"data{i}"
        data.mkdir()
        for f in DATA_DIR.iterdir():
            if f.is_file() and f.suffix in (".txt", ".tsv"):
                shutil.copy(f, data / f.name)
        before = Extractor(config=ExtractorConfig(data_dir=data)).fingerprint()
        (data / name).write_text((data / name).read_text(encoding="utf-8") + "\n# x\n",
                                 encoding="utf-8")
        assert Extractor(config=ExtractorConfig(data_dir=data)).fingerprint() != before


# -- a person named as a listed organisation or place is that one ---------------------------

@pytest.mark.parametrize(("name", "kind", "canonical"), [
    ("بي بي سي", EntityKind.ORGANIZATION, "بي بي سي"),
    ("لبي بي سي", EntityKind.ORGANIZATION, "بي بي سي"),  # ل glued on
    ("بيونغ يانغ", EntityKind.PLACE, "بيونغ يانغ"),  # listed as بيونغيانغ
])
def test_a_person_named_as_a_listed_organisation_or_place_is_that_one(name, kind, canonical):
    rules = default_extractor().not_names
    assert rules.known_kind(EntityKind.PERSON, name) == (kind, canonical)


@pytest.mark.parametrize("name", ["بشار الأسد", "بشار", "فلاديمير", "كيم جونغ أون"])
def test_persons_stay_persons(name):
    """Given names that are also places (بشار, فلاديمير) are left alone."""
    rules = default_extractor().not_names
    assert rules.known_kind(EntityKind.PERSON, name) == (EntityKind.PERSON, name)
    assert rules.known_kind(EntityKind.PLACE, "بي بي سي") == (EntityKind.PLACE, "بي بي سي")
