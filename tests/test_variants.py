"""Spelling variants merge on the archive's evidence, never on a shared skeleton alone.

Small real-looking archives where a person and a place (بوتين / بوتان), or a name and a
common word, share a spelling skeleton; each is checked in both directions.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from index.aliases import AliasTable
from index.search import ArchiveSearcher, SearchRequest
from index.store import resolve
from web.cli import main

from .helpers import build, write_jsonl

# As the extractor stores them: a short mention (بوتين) resolved to the full name, but
# once (p5) left short.
PUTIN = [
    {"id": "p1", "title": "فلاديمير بوتين يستقبل أردوغان في موسكو",
     "body": "استقبل الرئيس الروسي فلاديمير بوتين نظيره التركي في موسكو لبحث ملف سوريا.",
     "persons": ["فلاديمير بوتين", "رجب طيب أردوغان"], "places": ["موسكو", "سوريا"]},
    {"id": "p2", "title": "بوتين يتحدث عن الاقتصاد", "body": "قال بوتين إن اقتصاد روسيا ينمو.",
     "persons": ["فلاديمير بوتين"], "places": ["روسيا"]},
    {"id": "p3", "title": "بوتين والعقوبات", "body": "رد فلاديمير بوتين على عقوبات واشنطن على "
     "روسيا، وقال بوتين إنها لن تغير شيئا.",
     "persons": ["فلاديمير بوتين"], "places": ["روسيا", "واشنطن"]},
    {"id": "p4", "title": "فلاديمير بوتن في طهران", "body": "وصل فلاديمير بوتن إلى طهران قادما "
     "من موسكو، في أول زيارة له منذ سنوات.",
     "persons": ["فلاديمير بوتن"], "places": ["طهران", "موسكو"]},
    {"id": "p5", "title": "بوتن يلتقي أردوغان", "body": "التقى بوتن نظيره أردوغان في سوتشي "
     "لبحث ملف سوريا.", "persons": ["بوتن", "رجب طيب أردوغان"], "places": ["سوتشي", "سوريا"]},
    # The same story twice, once per spelling: the typed spelling ranks first.
    {"id": "s1", "title": "قمة في موسكو", "body": "قال بوتين في موسكو إن روسيا مستعدة للحوار.",
     "persons": ["فلاديمير بوتين"], "places": ["موسكو", "روسيا"]},
    {"id": "s2", "title": "قمة في موسكو", "body": "قال بوتن في موسكو إن روسيا مستعدة للحوار.",
     "persons": ["فلاديمير بوتن"], "places": ["موسكو", "روسيا"]},
    # A tagging slip: Putin once tagged as a place.
    {"id": "p6", "title": "كلمة بوتين", "body": "ألقى بوتين كلمة أمام البرلمان في روسيا.",
     "persons": [], "places": ["بوتين", "روسيا"]},
]
BHUTAN = [
    {"id": "b1", "title": "بوتان.. مملكة لا تبيع الدخان", "body": "تقع بوتان بين الهند "
     "والصين، وتمنع مملكة بوتان بيع الدخان منذ سنوات.", "places": ["بوتان", "الهند", "الصين"]},
    {"id": "b2", "title": "قطر تفوز على بوتان", "body": "فاز منتخب قطر على منتخب بوتان "
     "في تصفيات كأس آسيا.", "places": ["قطر", "بوتان"]},
    {"id": "b3", "title": "السياحة في بوتان", "body": "تستقبل بوتان السياح من نيبال والهند.",
     "places": ["بوتان", "نيبال", "الهند"]},
    # A tagging slip: Bhutan once tagged as a person.
    {"id": "b4", "title": "جبال بوتان", "body": "تغطي الجبال معظم أرض بوتان قرب الهند.",
     "persons": ["بوتان"], "places": ["الهند"]},
]
# One-word persons with one skeleton, no shared full name, different company: apart.
APART = [
    {"id": "k1", "title": "كريستين تحذر من الركود", "body": "حذرت كريستين من صندوق النقد "
     "الدولي من ركود الاقتصاد العالمي.", "persons": ["كريستين"],
     "organizations": ["صندوق النقد الدولي"]},
    {"id": "k2", "title": "كريستين والديون", "body": "قالت كريستين إن صندوق النقد الدولي "
     "يراقب الديون.", "persons": ["كريستين"], "organizations": ["صندوق النقد الدولي"]},
    {"id": "k3", "title": "كريستين والتضخم", "body": "ترى كريستين أن التضخم سيتراجع، بحسب "
     "صندوق النقد الدولي.", "persons": ["كريستين"], "organizations": ["صندوق النقد الدولي"]},
] + [
    {"id": f"c{i}", "title": f"كريستيان يسجل {i}", "body": "سجل كريستيان هدفا لنادي ريال "
     "مدريد.", "persons": ["كريستيان"], "organizations": ["ريال مدريد"]} for i in range(3)
]
# A common word (مكتب, office) once tagged as a person, beside the name مكتوب.
COMMON = [
    {"id": f"w{i}", "title": f"افتتاح مكتب جديد {i}", "body": f"افتتحت الشركة مكتب رقم {i}.",
     **({"persons": ["مكتب"]} if i == 0 else {})} for i in range(12)
] + [
    {"id": "m1", "title": "مكتوب يفوز", "body": "فاز العداء مكتوب بالسباق في الرباط.",
     "persons": ["مكتوب"], "places": ["الرباط"]},
]
# Alike neighbours: a typo that drops a vowel merges, another vowel (another man) does not.
NEIGHBOURS = [
    {"id": f"r{i}", "title": f"رونالدو يسجل {i}", "body": "سجل كريستيانو رونالدو هدفا لريال "
     "مدريد.", "persons": ["كريستيانو رونالدو"], "organizations": ["ريال مدريد"]}
    for i in range(3)
] + [
    {"id": "r3", "title": "رونالدو يسجل", "body": "سجل رونالدو هدفا لريال مدريد.",
     "persons": ["رونالدو"], "organizations": ["ريال مدريد"]},
] + [
    {"id": "r9", "title": "رينالدو مدربا", "body": "قال المدرب رينالدو إن ريال مدريد قوي.",
     "persons": ["رينالدو"], "organizations": ["ريال مدريد"]},
    {"id": "t1", "title": "وفد في طهرن", "body": "وصل وفد من موسكو إلى طهرن، وفق الكرملين.",
     "places": ["طهرن", "موسكو"], "organizations": ["الكرملين"]},
]
PUTIN_IDS = {a["id"] for a in PUTIN}
BHUTAN_IDS = {a["id"] for a in BHUTAN}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("variants")
    build(root / "ix", write_jsonl(root / "a.jsonl", PUTIN + BHUTAN + APART + COMMON + NEIGHBOURS))
    searcher = ArchiveSearcher(root / "ix")
    yield root / "ix", searcher
    searcher.close()


def _ids(searcher, query: str) -> list[str]:
    return [h.id for h in searcher.search(SearchRequest(query=query, limit=100)).hits]


def _table(archive) -> AliasTable:
    return AliasTable.load(resolve(archive[0]))


def test_a_place_is_not_a_spelling_of_a_person(archive):
    searcher = archive[1]
    assert set(_ids(searcher, "بوتان")) == BHUTAN_IDS  # Bhutan, never Putin
    assert not set(_ids(searcher, "بوتين")) & BHUTAN_IDS  # Putin, never Bhutan
    assert set(_ids(searcher, "بوتين")) == PUTIN_IDS  # p4, p5, s2 write only بوتن
    assert set(_ids(searcher, "بوتن")) == PUTIN_IDS


def test_filters_and_facets_keep_them_apart(archive):
    searcher = archive[1]
    result = searcher.search(SearchRequest(query="person:بوتين"))
    assert {h.id for h in result.hits} == {"p1", "p2", "p3", "p4", "p5", "s1", "s2"}
    assert {h.id for h in searcher.search(SearchRequest(query="place:بوتان")).hits} == {
        "b1", "b2", "b3"}
    persons = {v.label: v.count for v in searcher.search(SearchRequest()).facets["person"].values}
    assert persons["فلاديمير بوتين"] == 7
    assert persons.get("بوتان") == 1  # the slip stays on its own


def test_the_typed_spelling_ranks_first(archive):
    searcher = archive[1]
    order = _ids(searcher, "بوتن موسكو روسيا مستعدة")
    assert order.index("s2") < order.index("s1")
    order = _ids(searcher, "بوتين موسكو روسيا مستعدة")
    assert order.index("s1") < order.index("s2")
    assert set(_ids(searcher, '"بوتن"')) == {"p4", "p5", "s2"}  # quoted: that spelling only


def test_every_decision_keeps_its_reason(archive):
    person = _table(archive).entries["person"]
    assert person["بوتن"]["merged_into"] == "فلاديمير بوتين" and person["بوتن"]["why"]
    assert "place" in person["بوتان"]["why"] and "merged_into" not in person["بوتان"]
    assert "merged_into" not in person["كريستيان"] and "merged_into" not in person["كريستين"]
    assert "common word" in person["مكتب"]["why"] and "merged_into" not in person["مكتب"]
    assert "merged_into" not in person["مكتوب"]
    assert "merged_into" not in person["رينالدو"] and "vowel" in person["رينالدو"]["why"]
    place = _table(archive).entries["place"]
    assert place["طهرن"]["merged_into"] == "طهران" and "neighbouring" in place["طهرن"]["why"]
    assert "merged_into" not in place["بوتين"] and "person" in place["بوتين"]["why"]


def test_names_apart_and_common_words_stay_apart_in_search(archive):
    searcher = archive[1]
    # Their ranking stems meet too (كريست): both are searched by their own spellings.
    assert set(_ids(searcher, "كريستين")) == {"k1", "k2", "k3"}
    assert set(_ids(searcher, "كريستيان")) == {"c0", "c1", "c2"}
    assert set(_ids(searcher, "مكتوب")) == {"m1"}


def test_archive_entities_shows_variants_and_why(archive):
    out = CliRunner().invoke(main, ["entities", "--index", str(archive[0]), "--kind", "person",
                                    "--json"])
    assert out.exit_code == 0, out.output
    putin = next(r for r in json.loads(out.output) if r["label"] == "فلاديمير بوتين")
    merged = {m["key"]: m["why"] for m in putin["merged"]}
    assert {"بوتن", "فلاديمير بوتن"} <= set(merged) and all(merged.values())
    text = CliRunner().invoke(main, ["entities", "--index", str(archive[0])]).output
    assert "↳ بوتن" in text
