"""The search API: query language, facets, highlights, suggestions, related, completion."""

import re
from html import unescape

import pytest

from index.search import ArchiveSearcher, SearchRequest

from .helpers import SEED, build, write_jsonl

ARTICLES = [
    {"id": "n1", "title": "نتنياهو يلتقي بلينكن في القدس", "body": "التقى رئيس الوزراء "
     "الإسرائيلي بنيامين نتنياهو وزير الخارجية الأمريكي أنتوني بلينكن في القدس.",
     "date": "2018-03-05T10:00:00", "source": "Sky News Arabia",
     "persons": ["بنيامين نتنياهو", "أنتوني بلينكن"], "places": ["القدس"]},
    {"id": "n2", "title": "نتانياهو يزور واشنطن", "body": "وصل نتانياهو إلى واشنطن للقاء ترامب.",
     "date": "2018-04-10T10:00:00", "source": "BBC Arabic",
     "persons": ["نتانياهو", "دونالد ترامب"], "places": ["واشنطن"]},
    {"id": "n3", "title": "ترمب يهاجم إيران", "body": "هاجم الرئيس الأمريكي ترمب إيران مجددا.",
     "date": "2018-05-20T10:00:00", "source": "BBC Arabic",
     "persons": ["ترمب"], "places": ["إيران", "الولايات المتحدة"]},
    {"id": "n4", "title": "بوتين يستقبل أردوغان", "body": "استقبل الرئيس الروسي فلاديمير بوتين "
     "نظيره التركي رجب طيب أردوغان في موسكو لبحث الملف السوري.",
     "date": "2018-05-22T10:00:00", "source": "France 24 Arabic",
     "persons": ["فلاديمير بوتين", "رجب طيب أردوغان"], "places": ["موسكو"],
     "organizations": []},
    {"id": "n5", "title": "حماس تعلن موقفها", "body": "أعلنت حركة حماس في غزة موقفها من "
     "المفاوضات، وقال إسماعيل هنية إن الحركة ترفض الشروط.",
     "date": "2018-06-01T10:00:00", "source": "Al Arabiya",
     "persons": ["إسماعيل هنية"], "places": ["غزة"], "organizations": ["حماس"]},
    {"id": "n6", "title": "مسؤول إيراني يزور بيروت", "body": "زار مسئول إيراني رفيع بيروت "
     "والتقى قادة حزب الله.", "date": "2017-12-30T10:00:00", "source": "Al Arabiya",
     "places": ["بيروت"], "organizations": ["حزب الله"]},
    {"id": "n7", "title": "اقتصاد الصين ينمو", "body": "نما اقتصاد الصين بنسبة ستة في المئة "
     "خلال الربع الأول بحسب الأرقام الرسمية.", "date": "2018-04-11T10:00:00",
     "source": "CNN Arabic", "places": ["الصين"]},
    {"id": "n8", "title": "كأس العالم في روسيا", "body": "تنطلق بطولة كأس العالم لكرة القدم "
     "في روسيا بمشاركة اثنين وثلاثين منتخبا.", "date": "2018-06-14T10:00:00",
     "source": "Sky News Arabia", "places": ["روسيا"]},
    {"id": "n9", "title": "نتنياهو والانتخابات", "body": "يواجه بنيامين نتنياهو تحديات في "
     "الانتخابات المقبلة داخل إسرائيل.", "date": "2018-06-20T10:00:00",
     "source": "Sky News Arabia", "persons": ["بنيامين نتنياهو"], "places": ["إسرائيل"]},
    {"id": "n10", "title": "وزراء الخارجية العرب يجتمعون", "body": "اجتمع وزراء الخارجية "
     "العرب في القاهرة لبحث الأوضاع في غزة.", "date": "2018-07-01T10:00:00",
     "source": "CNN Arabic", "places": ["القاهرة", "غزة"],
     "organizations": ["جامعة الدول العربية"]},
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    src = write_jsonl(root / "articles.jsonl", ARTICLES)
    build(root / "ix", src, SEED)
    s = ArchiveSearcher(root / "ix")
    yield s
    s.close()


def ids(searcher, query="", **kwargs) -> list[str]:
    kwargs.setdefault("limit", 100)
    return [h.id for h in searcher.search(SearchRequest(query=query, **kwargs)).hits]


def marked(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", html)]


# -- normalisation in queries ---------------------------------------------------------

@pytest.mark.parametrize("query", ["غالانت", "غَالَانْت", "غـالانت", "غالانت؟"])
def test_query_variants_find_the_seed(searcher, query):
    assert ids(searcher, query) == ["000_04c1b4fd56738f6d"]


def test_query_without_hamza_finds_hamza_spelling(searcher):
    assert "000_04c1b4fd56738f6d" in ids(searcher, "اسرائيل")
    # n6 writes مسؤول in its title and مسئول in its body: either spelling finds both
    for query in ("مسؤول", "مسئول"):
        hit = next(h for h in searcher.search(SearchRequest(query=query)).hits if h.id == "n6")
        assert marked(hit.title_html) == ["مسؤول"] and marked(hit.snippet) == ["مسئول"]


def test_seed_snippet_marks_the_original_words(searcher):
    hit = searcher.search(SearchRequest(query="غَالَانْت")).hits[0]
    assert marked(hit.snippet) and set(marked(hit.snippet)) == {"غالانت"}
    assert marked(hit.title_html) == ["غالانت"]


def test_snippet_offsets_on_diacritised_and_stretched_text(tmp_path):
    body = "قال وزيرُ الخارجيةِ إنّ غَـــالانْت وصلَ إلى تلّ أبيب."
    build(tmp_path / "ix", write_jsonl(tmp_path / "a.jsonl", [
        {"id": "d", "title": "خبر", "body": body}]))
    hit = ArchiveSearcher(tmp_path / "ix").search(SearchRequest(query="غالانت")).hits[0]
    assert marked(hit.snippet) == ["غَـــالانْت"]
    assert unescape(re.sub(r"</?mark[^>]*>", "", hit.snippet)) in body


def test_snippet_escapes_html_but_keeps_marks(tmp_path):
    build(tmp_path / "ix", write_jsonl(tmp_path / "a.jsonl", [
        {"id": "x", "title": "<b>غزة</b>", "body": "<script>alert(1)</script> غزة <img src=x>"}]))
    hit = ArchiveSearcher(tmp_path / "ix").search(SearchRequest(query="غزة")).hits[0]
    without_marks = re.sub(r"</?mark[^>]*>", "", hit.snippet + hit.title_html)
    assert "<" not in without_marks and ">" not in without_marks
    assert "&lt;img src=x" in hit.snippet and "&lt;b&gt;" in hit.title_html
    assert marked(hit.snippet) == ["غزة"]


# -- query language -------------------------------------------------------------------

def test_all_words_must_match_by_default(searcher):
    found = ids(searcher, "نتنياهو بلينكن")
    assert "n1" in found and not {"n2", "n9"} & set(found)  # n9 lacks بلينكن


def test_any_ranks_more_matching_words_first(searcher):
    found = ids(searcher, "نتنياهو بلينكن القدس", match="any")
    assert found[0] == "n1" and {"n9"} <= set(found)


def test_exact_phrase(searcher):
    assert ids(searcher, '"وزراء الخارجية"') == ["n10"]
    assert "n10" not in ids(searcher, '"الخارجية وزراء"')


def test_exclusion(searcher):
    assert set(ids(searcher, "نتنياهو")) >= {"n1", "n9"}
    assert "n1" not in ids(searcher, "نتنياهو -بلينكن")


@pytest.mark.parametrize("op", ["OR", "أو"])
def test_or(searcher, op):
    assert set(ids(searcher, f"الصين {op} روسيا")) == {"n7", "n8"}


def test_prefix(searcher):
    assert set(ids(searcher, "اقتصا*")) == {"n7"}


def test_fuzzy(searcher):
    assert "n4" in ids(searcher, "اردوغن~")


def test_field_filters(searcher):
    assert set(ids(searcher, "person:بلينكن")) == {"n1"}
    assert set(ids(searcher, 'place:"الولايات المتحدة"')) == {"n3"}
    assert set(ids(searcher, "org:حماس")) == {"n5"}
    assert set(ids(searcher, 'source:"bbc arabic"')) == {"n2", "n3"}
    assert set(ids(searcher, "title:نتنياهو")) == {"n1", "n2", "n9"}  # n2: نتانياهو


def test_person_filter_merges_spelling_variants(searcher):
    assert set(ids(searcher, "person:نتنياهو")) == {"n1", "n2", "n9"}
    assert set(ids(searcher, "person:ترامب")) == {"n2", "n3"}


def test_date_range(searcher):
    assert set(ids(searcher, "date:2018-04..2018-05")) == {"n2", "n3", "n4", "n7"}
    assert set(ids(searcher, "نتنياهو date:2018-06..")) == {"n9"}


@pytest.mark.parametrize("query", ['"', "-", "OR", "(((", "«»", "؟", "أو", "*", "~"])
def test_broken_syntax_never_fails(searcher, query):
    result = searcher.search(SearchRequest(query=query))
    assert result.total >= 0


def test_syntax_error_falls_back_to_words_and_says_so(searcher):
    result = searcher.search(SearchRequest(query='"غزة'))
    assert {h.id for h in result.hits} >= {"n5", "n10"}


def test_arabic_punctuation_is_not_an_operator(searcher):
    assert set(ids(searcher, "«حماس»، غزة؛")) == set(ids(searcher, "حماس غزة")) >= {"n5"}


# -- facets ---------------------------------------------------------------------------

FACETS = ["person", "place", "organization", "source", "year", "month"]


@pytest.mark.parametrize("query", ["", "نتنياهو", "غزة OR روسيا"])
def test_every_facet_count_equals_the_total_after_selecting_it(searcher, query):
    result = searcher.search(SearchRequest(query=query, facet_limit=100))
    checked = 0
    for name in FACETS:
        for value in result.facets[name].values:
            chosen = searcher.search(SearchRequest(query=query, filters={name: [value.value]}))
            assert chosen.total == value.count, (name, value)
            checked += 1
    assert checked > 5


def test_facet_counts_documents_and_merges_variants(searcher):
    persons = {v.label: v.count for v in searcher.search(SearchRequest()).facets["person"].values}
    assert persons["بنيامين نتنياهو"] == 3
    assert "نتانياهو" not in persons
    assert persons["دونالد ترامب"] == 2


def test_multi_select_is_or_within_a_facet_and_and_across(searcher):
    both = searcher.search(SearchRequest(filters={"source": ["BBC Arabic", "CNN Arabic"]}))
    assert {h.id for h in both.hits} == {"n2", "n3", "n7", "n10"}
    # the source facet ignores its own selection, so other sources stay choosable
    sources = {v.label: (v.count, v.selected) for v in both.facets["source"].values}
    assert sources["BBC Arabic"] == (2, True) and sources["Sky News Arabia"][1] is False
    narrowed = searcher.search(SearchRequest(filters={"source": ["BBC Arabic", "CNN Arabic"],
                                                      "year": ["2018"],
                                                      "place": ["غزة"]}))
    assert {h.id for h in narrowed.hits} == {"n10"}


def test_date_facets(searcher):
    facets = searcher.search(SearchRequest()).facets
    assert {v.value: v.count for v in facets["year"].values} == {"2018": 9, "2017": 1}
    assert facets["month"].values[0].value == "2018-07"


def test_more_counts_values_left_out(searcher):
    facets = searcher.search(SearchRequest(facet_limit=2)).facets
    assert len(facets["place"].values) == 2 and facets["place"].more >= 5
    assert len(facets["month"].values) == 6 and facets["month"].more == 0  # dates: all


# -- sorting, paging ------------------------------------------------------------------

def test_sort_newest_and_oldest(searcher):
    newest = ids(searcher, "", sort="newest")
    assert newest[:2] == ["n10", "n9"]
    oldest = ids(searcher, "", sort="oldest")
    assert oldest[0] == "n6"


def test_pages_do_not_overlap(searcher):
    first = ids(searcher, "", limit=4, page=1, sort="newest")
    second = ids(searcher, "", limit=4, page=2, sort="newest")
    assert len(first) == 4 and not set(first) & set(second)


def test_page_past_the_end_is_empty(searcher):
    result = searcher.search(SearchRequest(query="", limit=4, page=9))
    assert result.total == len(ARTICLES) + 1 and result.hits == []


# -- help when results are poor -------------------------------------------------------

def test_did_you_mean_corrects_a_typo_from_the_index(searcher):
    result = searcher.search(SearchRequest(query="نتنياهوو"))
    assert result.suggestion == "نتنياهو"


def test_all_with_no_result_offers_any_results(searcher):
    result = searcher.search(SearchRequest(query="الصين كأس"))
    assert {h.id for h in result.hits} == {"n7", "n8"}
    assert result.match == "any" and result.notices


# -- related, completion, article -----------------------------------------------------

def test_more_like_this(searcher):
    article = searcher.article("n1")
    assert article.related and "n9" in [h.id for h in article.related]
    assert "n1" not in [h.id for h in article.related]


@pytest.mark.parametrize("prefix", ["نتن", "نَتَن", "بلي", "أنتو", "انتو"])
def test_name_completion(searcher, prefix):
    labels = [s.label for s in searcher.suggest_names(prefix)]
    assert labels and labels[0] in {"بنيامين نتنياهو", "أنتوني بلينكن"}


def test_name_completion_finds_places_without_hamza(searcher):
    assert "إسرائيل" in [s.label for s in searcher.suggest_names("اسرا")]


def test_article_page_marks_query(searcher):
    article = searcher.article("000_04c1b4fd56738f6d", query="غالانت")
    assert set(marked(article.body_html)) == {"غالانت"}
    assert searcher.article("missing") is None


def test_export_streams_every_hit(searcher):
    hits = list(searcher.export(SearchRequest(query="", limit=2)))
    assert len(hits) == len(ARTICLES) + 1


def test_words_glued_to_proclitics_are_found_marked_and_phrased(tmp_path):
    build(tmp_path / "ix", write_jsonl(tmp_path / "a.jsonl", [
        {"id": "c", "title": "وفد يصل", "body": "وصل الوفد بغزة أمس، وقدم مساعدات لقطاع غزة."},
        {"id": "l", "title": "لبنان", "body": "زار الوفد لبنان."}]))
    searcher = ArchiveSearcher(tmp_path / "ix")
    hit = searcher.search(SearchRequest(query="غزة")).hits[0]
    assert hit.id == "c" and set(marked(hit.snippet)) == {"بغزة", "غزة"}
    assert ids(searcher, '"قطاع غزة"') == ["c"]
    assert ids(searcher, "بنان") == []  # لبنان is a name, not ل + بنان


def test_a_name_finds_its_other_spellings_in_the_text(searcher):
    found = ids(searcher, "نتنياهو")
    assert {"n1", "n2", "n9"} <= set(found)  # n2 only writes نتانياهو
    hit = next(h for h in searcher.search(SearchRequest(query="نتنياهو")).hits if h.id == "n2")
    assert "نتانياهو" in marked(hit.title_html)
    assert "n3" in ids(searcher, "ترامب") and "n2" in ids(searcher, "ترمب")
    assert set(ids(searcher, "محمود")) == set()  # given names are never folded into others
    assert "n2" not in ids(searcher, '"نتنياهو"')  # quotes: this spelling only
