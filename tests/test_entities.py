"""Entity extraction: seed article, clitics, short forms, keys, variant folding, aliases, CLI."""

from __future__ import annotations

import json
import multiprocessing
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.entities import Mention, article_entities, entity_key, extract
from archive.entities.clitics import strip_clitics
from archive.entities.extractor import Extractor
from archive.entities.keys import variant_key
from web.cli_entities import eval_ner_cmd, extract_cmd

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_04c1b4fd56738f6d.txt"


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_mentions(seed_text: str) -> list[Mention]:
    return extract(seed_text)


def _keys(mentions: list[Mention], kind: str) -> set[str]:
    return {entity_key(m.canonical) for m in mentions if m.kind == kind}


def test_seed_persons(seed_mentions: list[Mention]) -> None:
    want = ["يوآف غالانت", "أنتوني بلينكن", "بنيامين نتنياهو", "هرتسي هاليفي",
            "إسماعيل هنية", "حسن نصر الله"]
    assert {entity_key(w) for w in want} <= _keys(seed_mentions, "person")


def test_seed_places(seed_mentions: list[Mention]) -> None:
    want = ["واشنطن", "إسرائيل", "إيران", "تل أبيب", "غزة", "السعودية", "لبنان", "طهران",
            "بيروت"]
    assert {entity_key(w) for w in want} <= _keys(seed_mentions, "place")


def test_seed_organisations(seed_mentions: list[Mention]) -> None:
    assert {entity_key("حماس"), entity_key("حزب الله")} <= _keys(seed_mentions, "organization")


@pytest.mark.parametrize("surface", ["لبلينكن", "ببلينكن"])
def test_clitic_names_resolve_to_full_name(seed_mentions: list[Mention], surface: str) -> None:
    hits = [m for m in seed_mentions if m.text == surface]
    assert hits, f"{surface} not extracted"
    assert all(m.kind == "person" for m in hits)
    assert {entity_key(m.canonical) for m in hits} == {entity_key("أنتوني بلينكن")}


def test_offsets_match_text(seed_text: str, seed_mentions: list[Mention]) -> None:
    assert seed_mentions
    for m in seed_mentions:
        assert seed_text[m.start:m.end] == m.text


def test_no_person_in_places(seed_mentions: list[Mention]) -> None:
    # Kinds must not be mixed up for the clear cases.
    assert entity_key("غزة") not in _keys(seed_mentions, "person")
    assert entity_key("نتنياهو") not in _keys(seed_mentions, "place")


@pytest.mark.parametrize(("word", "stripped"), [
    ("بإسرائيل", "إسرائيل"),
    ("وطهران", "طهران"),
    ("لإسرائيل", "إسرائيل"),
    ("بالقاهرة", "القاهرة"),
    ("للأمم", "الأمم"),
    ("ولبنان", "لبنان"),
    # Initial letters that belong to the name.
    ("لبنان", "لبنان"),
    ("بيروت", "بيروت"),
    ("واشنطن", "واشنطن"),
    ("فلسطين", "فلسطين"),
    ("كندا", "كندا"),
    ("بغداد", "بغداد"),
    ("لندن", "لندن"),
])
def test_strip_clitics(word: str, stripped: str) -> None:
    assert strip_clitics(word) == stripped


def test_clitic_stripped_with_article_evidence() -> None:
    # Unknown name: only the same text's other mention proves ل is a clitic.
    assert strip_clitics("لزورفلين", {"زورفلين"}) == "زورفلين"
    assert strip_clitics("لزورفلين") == "لزورفلين"


def test_short_form_resolves_to_full_name() -> None:
    text = ("قال رئيس الوزراء الإسرائيلي بنيامين نتنياهو إن إسرائيل ستواصل الحرب. "
            "وأضاف نتنياهو أن الجيش سيبقى في غزة.")
    persons = [m for m in extract(text) if m.kind == "person"]
    assert [m.text for m in persons] == ["بنيامين نتنياهو", "نتنياهو"]
    assert {m.canonical for m in persons} == {"بنيامين نتنياهو"}


def test_lone_known_surname_resolves_even_in_a_variant_spelling() -> None:
    persons = [m for m in extract("وصل بوتن إلى طهران للقاء المسؤولين") if m.kind == "person"]
    assert [entity_key(m.canonical) for m in persons] == [entity_key("فلاديمير بوتين")]


def test_article_entities_dedupes_per_kind(seed_text: str) -> None:
    title, _, body = seed_text.partition("\n")
    ents = article_entities(title, body)
    assert set(ents) == {"person", "place", "organization"}
    for pairs in ents.values():
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys))
    assert (entity_key("أنتوني بلينكن"), "أنتوني بلينكن") in ents["person"]


@pytest.mark.parametrize(("a", "b"), [
    ("نتنياهو", "نتانياهو"),
    ("بوتين", "بوتن"),
    ("ترامب", "ترمب"),
    ("أمريكا", "أميركا"),
    ("إسرائيل", "اسرائيل"),
    ("إسرائيل", "اسراييل"),
    ("سكريبال", "سكريبل"),
    ("ميشال", "ميشيل"),
    ("أنغيلا ميركل", "أنجيلا ميركل"),
    ("غوارديولا", "جوارديولا"),
])
def test_variant_skeletons_meet(a: str, b: str) -> None:
    assert variant_key(a) == variant_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("محمد عباس", "محمود عباس"),
    ("سعد الحريري", "سعيد الحريري"),
    ("علي", "عالي"),
    ("حسن", "حسين"),
    ("لبنان", "لبن"),
    ("الحسن", "الحسين"),
    ("بكر", "بيكر"),
    ("جون", "جوان"),
    ("مروان", "مارون"),
    ("ماجد", "مجيد"),
    ("غالب", "جالب"),
])
def test_distinct_names_stay_apart(a: str, b: str) -> None:
    assert variant_key(a) != variant_key(b)
    assert entity_key(a) != entity_key(b)


def test_entity_keys_keep_each_spelling() -> None:
    # The archive decides on evidence which spellings are one name (tests/test_variants.py).
    assert entity_key("بوتين") != entity_key("بوتن") != entity_key("بوتان")
    assert variant_key("بوتين") == variant_key("بوتن") == variant_key("بوتان")


def test_entity_key_ignores_hamza_and_diacritics() -> None:
    assert entity_key("إِسْرَائِيلُ") == entity_key("اسرائيل") == entity_key("إسرائيل")
    assert entity_key("أنتوني بلينكن") == entity_key("انتوني  بلينكن")
    assert entity_key("غـزة") == entity_key("غزه")


def test_extractor_pickles_and_extracts() -> None:
    clone = pickle.loads(pickle.dumps(Extractor()))
    mentions = clone.extract("وصل بلينكن إلى إسرائيل")
    assert [m.kind for m in mentions][-1] == "place"
    assert pickle.loads(pickle.dumps(mentions)) == mentions


def _child_extract(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.canonical) for m in extract(text)]


def test_usable_in_forked_worker() -> None:
    # Load in the parent first: the child must not reuse the parent's tagger handle blindly.
    text = "قال الرئيس الروسي فلاديمير بوتين في موسكو"
    expected = _child_extract(text)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply(_child_extract, (text,)) == expected


def test_empty_and_non_arabic_text() -> None:
    assert extract("") == []
    assert extract("Hello world. !!!") == []
    assert article_entities("", "") == {"person": [], "place": [], "organization": []}


def test_cli_extract_plain() -> None:
    result = CliRunner().invoke(extract_cmd, [], input="التقى بلينكن نتنياهو في القدس")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {d["kind"] for d in data} >= {"place"}
    assert all({"start", "end", "kind", "text", "canonical"} <= set(d) for d in data)


def test_cli_extract_jsonl_order_and_bad_line() -> None:
    lines = [json.dumps({"id": "b", "text": "زار ترامب موسكو"}, ensure_ascii=False),
             "{not json",
             json.dumps({"id": "a", "text": "وصل بلينكن إلى إسرائيل"}, ensure_ascii=False)]
    result = CliRunner().invoke(extract_cmd, ["--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code != 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["b", "a"]
    assert "line 2" in result.stderr
    assert any(e["text"] == "إسرائيل" and e["kind"] == "place" for e in out[1]["entities"])


def test_cli_eval_ner(tmp_path: Path) -> None:
    conll = tmp_path / "tiny.conll"
    conll.write_text("وصل\tO\nبلينكن\tB-PERS\nإلى\tO\nإسرائيل\tB-LOC\n\n", encoding="utf-8")
    result = CliRunner().invoke(eval_ner_cmd, [str(conll), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["place"]["tp"] == 1
    assert set(report) == {"person", "place", "organization", "overall"}


@pytest.mark.parametrize("command", [extract_cmd, eval_ner_cmd])
def test_cli_help_has_example(command) -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def _spans_after_particles(text: str, spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    from archive.arabic import normalize_word
    from archive.entities.features import TOKEN_PATTERN
    from archive.entities.lexicon import default_lexicon
    from archive.entities.rules import PostRules

    matches = list(TOKEN_PATTERN.finditer(text))
    norms = [normalize_word(m.group()) for m in matches]
    raw = sorted((text.index(s), text.index(s) + len(s), kind) for s, kind in spans)
    rules = PostRules(default_lexicon())
    return [(text[a:b], k) for a, b, k in rules.complete_particles(raw, matches, norms)]


@pytest.mark.parametrize(("text", "spans", "want"), [
    # A name never ends in a particle: the CRF's cut-off span is completed.
    ("تولى علي بن أبي طالب الخلافة", [("علي بن أبي", "person")],
     [("علي بن أبي طالب", "person")]),
    ("وصل أبو مازن إلى رام الله", [("أبو", "person"), ("رام الله", "place")],
     [("أبو مازن", "person"), ("رام الله", "place")]),
    # A span opening with بن lacks its given name.
    ("توفي خالد بن حنيف أمير المدينة", [("بن حنيف", "person")], [("خالد بن حنيف", "person")]),
    ("قالت عائشة بنت أبي بكر", [("أبي بكر", "person")], [("عائشة بنت أبي بكر", "person")]),
    # Swallowed neighbours merge; punctuation and titles stop the growth.
    ("قال الحسن بن علي إن", [("الحسن بن", "person"), ("علي", "person")],
     [("الحسن بن علي", "person")]),
    ("وصل أبو . ثم", [("أبو", "person")], [("أبو", "person")]),
    ("وقال ابن الرئيس", [("ابن", "person")], [("ابن", "person")]),
    ("زار بن علي تونس", [("بن علي", "person"), ("تونس", "place")],
     [("بن علي", "person"), ("تونس", "place")]),
])
def test_particles_complete_person_spans(text: str, spans: list[tuple[str, str]],
                                         want: list[tuple[str, str]]) -> None:
    assert _spans_after_particles(text, spans) == want


def test_word_clusters_group_names() -> None:
    from archive.arabic import normalize_word
    from archive.entities.lexicon import default_lexicon

    clusters = default_lexicon().word_clusters
    trump, putin, beirut = (clusters.get(normalize_word(w)) for w in ("ترامب", "بوتين", "بيروت"))
    assert trump and putin and beirut and len(trump) == 4
    assert trump[1] == putin[1] != beirut[1]


def test_a_currency_alone_is_not_an_organisation() -> None:
    from archive.entities.extractor import default_extractor
    from archive.kinds import EntityKind

    assert [m.canonical for m in extract("بلغت قيمة الصفقة مليون ريال سعودي")
            if m.kind == "organization"] == []
    assert default_extractor().not_names.rejects(EntityKind.ORGANIZATION, "دينار كويتي", "")
    assert not default_extractor().not_names.rejects(EntityKind.ORGANIZATION, "الريال", "")
    assert "ريال مدريد" in [m.canonical for m in extract("فاز ريال مدريد على برشلونة")]


def test_rule_switches_come_from_the_config() -> None:
    from collections import Counter

    from archive.arabic import normalize_word
    from archive.entities import ExtractorConfig
    from archive.entities.features import TOKEN_PATTERN
    from archive.entities.lexicon import default_lexicon
    from archive.entities.rules import PostRules

    text = "تولى علي بن أبي طالب الخلافة"
    matches = list(TOKEN_PATTERN.finditer(text))
    norms = [normalize_word(m.group()) for m in matches]
    spans = [(5, 15, "person")]
    off = PostRules(default_lexicon(), config=ExtractorConfig(complete_particles=False))
    assert off.apply(text, spans, matches, norms, Counter()) == spans
    on = PostRules(default_lexicon())
    assert [text[a:b] for a, b, _ in on.apply(text, spans, matches, norms, Counter())] == [
        "علي بن أبي طالب"]


def test_extractor_config_travels_with_the_extractor() -> None:
    from archive.entities import ExtractorConfig, Lexicon
    from archive.entities.lexicon import default_lexicon

    config = ExtractorConfig(curated_places=False)
    clone = pickle.loads(pickle.dumps(Extractor(config=config)))
    assert clone.config == config and clone.lexicon is default_lexicon()
    assert Extractor().fingerprint() == Extractor().fingerprint() != clone.fingerprint()
    assert Lexicon(ExtractorConfig(clusters_file=None)).word_clusters == {}


def test_name_units_give_unseen_names_a_feature_and_stay_clean() -> None:
    """Registry name lists reach the tagger as features; no function word, cue word or
    one-word place of the gazetteers carries a name code."""
    from archive.entities import ExtractorConfig, Lexicon
    from archive.entities.features import FeatureSet
    from archive.entities.lexicon import PERSON_CUES, SAY_CUES, default_lexicon

    units = default_lexicon().name_units
    assert len(units) > 50_000
    assert units["لافروف"].startswith("X") and units["سلمان"][0] in "GB"
    assert units["الاسد"][0] in "SB"
    places = {w for w, c in default_lexicon().gazetteer_words.items() if c == "L"}
    for word in ("في", "ان", "الذي", "وزير", "قال", "سوريا", "روسيا"):
        assert word not in units
    assert not (set(units) & (PERSON_CUES | SAY_CUES | places))
    feats = FeatureSet(default_lexicon())
    assert "nu=" + units["لافروف"] in feats.own_features("لافروف")
    assert "+1nr=X" in feats.context_features("لافروف", "+1")
    assert not [f for f in feats.own_features("المفاوضات") if f.startswith("nu=")]
    bare = FeatureSet(Lexicon(ExtractorConfig(name_units_file=None)))
    assert not [f for f in bare.own_features("لافروف") if f.startswith(("nu=", "nr="))]


@pytest.mark.parametrize(("text", "span", "expected"), [
    ("وقال رئيس هيئة الترفيه تركي آل الشيخ إن", "تركي آل", "تركي آل الشيخ"),
    ("وقال العقيد الركن تركي المالكي إن", "الركن تركي المالكي", "تركي المالكي"),
])
def test_person_spans_complete_a_family_name_and_drop_a_rank(text, span, expected) -> None:
    from collections import Counter

    from archive.arabic import normalize_word
    from archive.entities.features import TOKEN_PATTERN
    from archive.entities.lexicon import default_lexicon
    from archive.entities.rules import PostRules
    from archive.kinds import EntityKind

    matches = list(TOKEN_PATTERN.finditer(text))
    norms = [normalize_word(m.group()) for m in matches]
    start = text.index(span)
    spans = [(start, start + len(span), EntityKind.PERSON)]
    out = PostRules(default_lexicon()).apply(text, spans, matches, norms, Counter())
    assert [text[a:b] for a, b, _ in out] == [expected]


@pytest.mark.parametrize(("text", "span", "expected"), [
    # ب/ل/ف starting a later word splits a person span only before a name...
    ("قال وزير الخارجية كولن باول أمس", "كولن باول", ["كولن باول"]),
    ("وسجل المعتز بالله اينو هدفا", "المعتز بالله اينو", ["المعتز بالله اينو"]),
    ("انضمام عمرو زكي للزمالك أمس", "عمرو زكي للزمالك", ["عمرو زكي"]),
    ("مدينة الملك عبدالعزيز للعلوم والتقنية", "عبدالعزيز للعلوم", ["عبدالعزيز"]),
    ("استفزازات ماتيراتزي لزيدان لم تكن", "ماتيراتزي لزيدان", ["ماتيراتزي", "لزيدان"]),
    # ...and a trailing title word that is also a family name stays; another goes.
    ("ضمت القائمة طارق السيد وآخرين", "طارق السيد", ["طارق السيد"]),
    ("التقى بشار الأسد الرئيس أمس", "بشار الأسد الرئيس", ["بشار الأسد"]),
])
def test_person_spans_split_before_a_clitic_name_and_keep_a_family_title(
        text: str, span: str, expected: list[str]) -> None:
    from collections import Counter

    from archive.arabic import normalize_word
    from archive.entities.features import TOKEN_PATTERN
    from archive.entities.lexicon import default_lexicon
    from archive.entities.rules import PostRules
    from archive.kinds import EntityKind

    matches = list(TOKEN_PATTERN.finditer(text))
    norms = [normalize_word(m.group()) for m in matches]
    start = text.index(span)
    spans = [(start, start + len(span), EntityKind.PERSON)]
    out = PostRules(default_lexicon()).refine(text, spans, Counter(norms))
    assert [text[a:b] for a, b, _ in out] == expected


def test_adjacent_person_spans_are_one_name_unless_the_second_starts_with_and() -> None:
    from collections import Counter

    from archive.entities.lexicon import default_lexicon
    from archive.entities.rules import PostRules, join_persons
    from archive.kinds import EntityKind

    person, place = EntityKind.PERSON, EntityKind.PLACE
    text = "قال كوفي أنان في نيويورك بوش وبلير"
    at = {w: (text.index(w), text.index(w) + len(w)) for w in text.split()}
    spans = [(*at["كوفي"], person), (*at["أنان"], person), (*at["نيويورك"], place),
             (*at["بوش"], person), (*at["وبلير"], person)]
    joined = join_persons(text, spans)
    assert [text[a:b] for a, b, _ in joined] == ["كوفي أنان", "نيويورك", "بوش وبلير"]
    refined = PostRules(default_lexicon()).refine(text, joined, Counter())
    assert [text[a:b] for a, b, _ in refined] == ["كوفي أنان", "نيويورك", "بوش", "وبلير"]
