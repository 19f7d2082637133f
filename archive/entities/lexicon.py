"""Word lists the extractor leans on: cue words (hand-written) and shipped data files.

Everything here is normalised with `archive.arabic.normalize_word`, so lookups work on
the same form the features use. Data files live in ``archive/data/`` and are built by
``python bench/train_ner.py gazetteer`` (see that script); nothing is fetched at run time.
"""

from __future__ import annotations

import gzip
import os
from functools import cache
from pathlib import Path

from archive.arabic import normalize_phrase, normalize_word

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def _norm_set(text: str) -> frozenset[str]:
    return frozenset(normalize_word(w) for w in text.split())


# Titles and roles that precede a person's name in news prose ("قال وزير الخارجية ...").
PERSON_CUES = _norm_set(
    """
    الرئيس رئيس الرئيسة رئيسة وزير الوزير وزيرة الملك ملك الملكة الأمير أمير الأميرة الشيخ
    شيخ السيد السيدة المستشار مستشار المستشارة النائب نائب النائبة الجنرال اللواء العميد
    العقيد المشير الفريق العماد الإمام البابا الأمين الأمينة المتحدث المتحدثة الناطق الناطقة
    السفير سفير السفيرة المبعوث مبعوث الدكتور الدكتورة د المدير مدير المديرة القائد قائد
    الزعيم زعيم رئيسه المرشح المرشحة الحاكم حاكم محافظ المحافظ السلطان ولي العاهل الحاخام
    المطران الكاردينال الأستاذ الفنان الفنانة اللاعب المدرب الكاتب الكاتبة المخرج الممثل
    الممثلة الصحفي الصحفية المحامي القاضي مراسل المراسل عضو العضو الجنرال النجم النجمة
    الراحل الشهيد الأسير المعتقل المواطن الشاب الطفل السيناتور النائبة الوزيرة ممثل مسؤول
    المسؤول
    """
)

# Verbs of saying and reporting: a name usually follows or precedes them.
SAY_CUES = _norm_set(
    """
    قال وقال قالت وقالت أعلن وأعلن أعلنت وأعلنت أكد وأكد أكدت وأكدت أضاف وأضاف أضافت وأضافت
    صرح وصرح صرحت أوضح وأوضح أوضحت أشار وأشار أشارت اعتبر واعتبر اعتبرت دعا ودعا دعت
    بحث وبحث التقى والتقى استقبل واستقبل زار وزار طالب وطالب حذر وحذر نفى ونفى رأى يقول
    تقول كشف وكشف أبلغ وأبلغ
    """
)

# Words that open an organisation's name.
ORG_CUES = _norm_set(
    """
    حركة حزب وزارة شركة جامعة منظمة مجلس وكالة هيئة جمعية اتحاد الاتحاد رابطة مؤسسة بنك
    البنك صندوق الصندوق محكمة المحكمة جبهة الجبهة تحالف التحالف نادي النادي منتخب المنتخب
    جماعة الجماعة مكتب لجنة اللجنة جيش الجيش قوات القوات صحيفة الصحيفة قناة القناة إذاعة
    مركز المركز معهد المعهد الأمم الحرس كتائب تنظيم التنظيم ائتلاف الائتلاف برلمان البرلمان
    مصرف المصرف سلطة السلطة الهيئة المجلس الحركة الحزب الوزارة الشركة الجامعة المنظمة
    الوكالة جمعية الجمعية مجموعة المجموعة
    """
)

# Words that introduce a place ("في مدينة ...", "عاصمة ...").
PLACE_CUES = _norm_set(
    """
    مدينة المدينة عاصمة العاصمة بلدة البلدة قرية القرية محافظة المحافظة ولاية الولاية إقليم
    الإقليم منطقة المنطقة مخيم المخيم حي جزيرة الجزيرة دولة الدولة شمال جنوب شرق غرب وسط
    شمالي جنوبي شرقي غربي ضواحي ضاحية مطار ميناء نهر جبل بحر خليج قطاع
    في إلى من الى بين داخل
    """
)


@cache
def _read_lines(name: str) -> tuple[str, ...]:
    path = DATA_DIR / name
    if not path.exists():
        return ()
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return tuple(line.rstrip("\n") for line in fh if line.strip() and not line.startswith("#"))


@cache
def phrases(name: str) -> frozenset[str]:
    """Normalised multi-word entries of a gazetteer file (one name a line)."""
    return frozenset(p for line in _read_lines(name) if (p := normalize_phrase(line)))


@cache
def gazetteer_words() -> dict[str, str]:
    """Normalised single word → gazetteer code: ``L`` place, ``O`` organisation, ``F`` given
    name, ``P`` surname of a known person; ``l``/``o`` for a word inside a longer entry."""
    table: dict[str, str] = {}
    sources = (("places.txt", "L"), ("places_auto.txt", "L"), ("orgs.txt", "O"),
               ("persons.txt", "P"))
    for name, code in sources:
        # Sorted: a word in two entries (حسن in حسن نصر الله and in another name) must get
        # the same code in every process, or the model sees other features than in training.
        for phrase in sorted(phrases(name)):
            parts = phrase.split()
            if len(parts) == 1:
                table.setdefault(parts[0], code)
            elif code == "P":
                # Known person: last word is a surname cue, the first a given name.
                table.setdefault(parts[-1], "P")
                table.setdefault(parts[0], "F")
            else:
                for part in parts:
                    if len(part) > 2 and part != "ال":
                        table.setdefault(part, code.lower())
    for word in given_names():
        table[word] = "F"
    return table


@cache
def given_names() -> frozenset[str]:
    """Common given names (normalised); they are also exempt from variant folding."""
    return frozenset(normalize_word(w) for line in _read_lines("given_names.txt")
                     for w in line.split())


@cache
def word_freq() -> dict[str, int]:
    """Corpus word frequencies (normalised word → count), used to tell a clitic from a
    name's first letter (لبنان vs. لبلينكن) and to spot proper nouns."""
    return {line.split("\t", 2)[0]: int(line.split("\t", 2)[1])
            for line in _read_lines("wordfreq.tsv.gz")}


@cache
def mined_names() -> dict[str, str]:
    """Normalised word → kind initial (p/l/o) for words the model itself tags as that
    kind in most of their archive occurrences (self-training; `archive.ner_train mine`)."""
    # Training a fresh base model (or a cross-validation fold) must not see the shipped
    # list: ARCHIVE_NER_MINED names another file, or "" for none.
    path = os.environ.get("ARCHIVE_NER_MINED", str(DATA_DIR / MINED_FILE))
    out: dict[str, str] = {}
    if path and Path(path).exists():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                word, _, kind = line.rstrip("\n").partition("\t")
                out[word] = kind[:1]
    return out


MINED_FILE = "mined_names.tsv"
CLUSTER_FILE = "clusters.tsv.gz"


@cache
def word_clusters() -> dict[str, tuple[str, ...]]:
    """Normalised clitic-free word → distributional cluster ids, coarse to fine (built from
    the archive corpus by `archive.ner_train clusters`): names the training data never saw
    share a cluster with ones it did (ترامب with أردوغان, ماكرون, بوتين)."""
    path = os.environ.get("ARCHIVE_NER_CLUSTERS", str(DATA_DIR / CLUSTER_FILE))
    out: dict[str, tuple[str, ...]] = {}
    if path and Path(path).exists():
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                word, *ids = line.rstrip("\n").split("\t")
                out[word] = tuple(ids)
    return out


def _bucket(part: int, total: int) -> str:
    share = part / total
    return "0" if share < 0.02 else "1" if share < 0.1 else "2" if share < 0.3 else "3"


@cache
def word_context() -> dict[str, str]:
    """Normalised word → distributional hint: share of its corpus occurrences after a
    title, a place preposition and a verb of saying, each bucketed 0–3 (``"301"``).
    Names the training data never saw still behave like names in the archive."""
    out: dict[str, str] = {}
    for line in _read_lines("wordfreq.tsv.gz"):
        word, count, *ctx = line.split("\t")
        n = int(count)
        if len(ctx) == 3 and n >= 10:
            out[word] = "".join(_bucket(int(c), n) for c in ctx)
    return out
