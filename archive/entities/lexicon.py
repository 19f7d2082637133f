"""Word lists the extractor leans on: cue words (hand-written) and a `Lexicon` of data files.

Everything here is normalised with `archive.arabic.normalize_word`, so lookups work on
the same form the features use. Data files live in ``archive/data/`` and are built by
``python -m archive.ner_train`` (see `archive.ner_train`); nothing is fetched at run time.
"""

from __future__ import annotations

import gzip
from functools import cache, cached_property
from pathlib import Path
from sys import intern

from archive.arabic import normalize_phrase, normalize_word
from archive.entities.config import DATA_DIR, ExtractorConfig

__all__ = ["DATA_DIR", "ORG_CUES", "PERSON_CUES", "PLACE_CUES", "SAY_CUES", "Lexicon",
           "default_lexicon", "lexicon_for"]


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



_GAZETTEERS = (("places.txt", "L"), ("places_auto.txt", "L"), ("orgs.txt", "O"),
               ("persons.txt", "P"))


class Lexicon:
    """The data files of one `ExtractorConfig`, each read once, on first use.

    Pickling keeps only the config: an unpickled copy reads the files again."""

    def __init__(self, config: ExtractorConfig | None = None) -> None:
        self.config = config or ExtractorConfig()
        self._phrases: dict[str, frozenset[str]] = {}

    def __reduce__(self) -> tuple[type[Lexicon], tuple[ExtractorConfig]]:
        return (Lexicon, (self.config,))

    @property
    def source(self) -> tuple[Path, str | Path | None, str | Path | None]:
        """What the tables are read from: the data directory, cluster and name-unit files."""
        return (Path(self.config.data_dir), self.config.clusters_file,
                self.config.name_units_file)

    def lines(self, name: str) -> tuple[str, ...]:
        """Non-blank, non-comment lines of a data file (gzipped if ``.gz``); () if absent."""
        path = Path(self.config.data_dir) / name
        if not path.exists():
            return ()
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as fh:
            return tuple(line.rstrip("\n") for line in fh
                         if line.strip() and not line.startswith("#"))

    def phrases(self, name: str) -> frozenset[str]:
        """Normalised multi-word entries of a gazetteer file (one name a line)."""
        found = self._phrases.get(name)
        if found is None:
            found = self._phrases[name] = frozenset(
                p for line in self.lines(name) if (p := normalize_phrase(line)))
        return found

    @cached_property
    def gazetteer_words(self) -> dict[str, str]:
        """Normalised single word → gazetteer code: ``L`` place, ``O`` organisation, ``F``
        given name, ``P`` surname of a known person; ``l``/``o`` for a word inside a longer
        entry."""
        table: dict[str, str] = {}
        for name, code in _GAZETTEERS:
            # Sorted: a word in two entries (حسن in حسن نصر الله and in another name) must
            # get the same code in every process, or the model sees other features than in
            # training.
            for phrase in sorted(self.phrases(name)):
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
        for word in self.given_names:
            table[word] = "F"
        return table

    @cached_property
    def given_names(self) -> frozenset[str]:
        """Common given names (normalised); they are also exempt from variant folding."""
        return frozenset(normalize_word(w) for line in self.lines("given_names.txt")
                         for w in line.split())

    @cached_property
    def _wordfreq(self) -> tuple[dict[str, int], dict[str, str]]:
        freq: dict[str, int] = {}
        context: dict[str, str] = {}
        for line in self.lines("wordfreq.tsv.gz"):
            word, count, *ctx = line.split("\t")
            word = intern(word)  # one string object for a word in every table
            n = freq[word] = int(count)
            if len(ctx) == 3 and n >= 10:
                context[word] = intern("".join(_bucket(int(c), n) for c in ctx))
        return freq, context

    @property
    def word_freq(self) -> dict[str, int]:
        """Corpus word frequencies (normalised word → count), used to tell a clitic from a
        name's first letter (لبنان vs. لبلينكن) and to spot proper nouns."""
        return self._wordfreq[0]

    @property
    def word_context(self) -> dict[str, str]:
        """Normalised word → distributional hint: share of its corpus occurrences after a
        title, a place preposition and a verb of saying, each bucketed 0–3 (``"301"``).
        Names the training data never saw still behave like names in the archive."""
        return self._wordfreq[1]

    @cached_property
    def word_clusters(self) -> dict[str, tuple[str, ...]]:
        """Normalised clitic-free word → distributional cluster ids, coarse to fine (built
        by `archive.ner_train clusters`): names the training data never saw share a
        cluster with ones it did (ترامب with أردوغان, ماكرون, بوتين)."""
        path = self.config.clusters_path
        out: dict[str, tuple[str, ...]] = {}
        if path is not None and path.exists():
            # Shared ids and id tuples: each process holds these tables, and one object per
            # word and level was about half of their memory.
            shared: dict[tuple[str, ...], tuple[str, ...]] = {}
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    word, *ids = line.rstrip("\n").split("\t")
                    key = tuple(map(intern, ids))
                    out[intern(word)] = shared.setdefault(key, key)
        return out

    @cached_property
    def name_units(self) -> dict[str, str]:
        """Normalised name word → role code (``G1`` common given name, ``S2`` rare surname,
        ``X2`` transliterated foreign name; `scripts/build_name_units.py`): names the
        training data never saw, from registry name lists."""
        name = self.config.name_units_file
        if name is None:
            return {}
        pairs = (line.split("\t", 1) for line in self.lines(str(name)))
        return {intern(word): intern(code) for word, code in pairs}


def _bucket(part: int, total: int) -> str:
    share = part / total
    return "0" if share < 0.02 else "1" if share < 0.1 else "2" if share < 0.3 else "3"


@cache
def default_lexicon() -> Lexicon:
    """The shipped data files, read once per process (entity keys and the index use it)."""
    return Lexicon()


def lexicon_for(config: ExtractorConfig) -> Lexicon:
    """The shipped lexicon when ``config`` reads the shipped files, else a new one."""
    shipped, lexicon = default_lexicon(), Lexicon(config)
    return shipped if lexicon.source == shipped.source else lexicon
