"""The canonical-name table: official long and short names and spelling pairs that are one
entity (المملكة العربية السعودية / السعودية, سورية / سوريا, الولايات المتحدة الأمريكية /
الولايات المتحدة).

Two data files, ``kind<TAB>variant<TAB>canonical`` a line: ``canonical.tsv`` (curated,
hand-checked) and ``countries.tsv`` (generated from ISO 3166 and CLDR names by
``scripts/build_name_lists.py``). A curated row overrides a generated one for the same
variant. `archive.entities.keys.entity_key` applies the table, so every facet, filter and
alias lookup sees one key per entity.
"""

from __future__ import annotations

from collections.abc import Callable

from archive.entities.lexicon import Lexicon

CURATED, GENERATED = "canonical.tsv", "countries.tsv"
Row = tuple[str, str, str]  # (kind, variant, canonical)


def table_rows(lexicon: Lexicon) -> list[Row]:
    """The rows of both files, curated first; malformed lines are skipped."""
    out = []
    for name in (CURATED, GENERATED):
        for line in lexicon.lines(name):
            parts = [p.strip() for p in line.split("\t")]
            if len(parts) == 3 and all(parts):
                out.append((parts[0], parts[1], parts[2]))
    return out


def key_map(rows: list[Row], key: Callable[[str], str]) -> dict[str, str]:
    """Variant key → canonical key; the first row for a variant wins (curated before
    generated), and a canonical name maps to itself so it is never a variant of another."""
    out: dict[str, str] = {}
    for _, variant, canonical in rows:
        target = key(canonical)
        out.setdefault(key(variant), target)
    for _, _, canonical in rows:
        out[key(canonical)] = out.get(key(canonical), key(canonical))
    # A chain (a → b, b → c) resolves to its end, so keys stay idempotent.
    return {k: _end(out, v) for k, v in out.items()}


def _end(table: dict[str, str], key: str) -> str:
    seen = {key}
    while (nxt := table.get(key, key)) != key and nxt not in seen:
        seen.add(nxt)
        key = nxt
    return key


def display_map(rows: list[Row], key: Callable[[str], str]) -> dict[tuple[str, str], str]:
    """``(kind, variant key)`` → the canonical name as written in the table."""
    ends = key_map(rows, key)
    written = {key(c): c for _, _, c in rows}
    return {(kind, key(v)): written.get(ends[key(v)], c) for kind, v, c in rows}
