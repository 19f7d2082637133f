"""`SeenIds`: the ids a pass has read, with the file of each, past its batched merges."""

from __future__ import annotations

from hashlib import blake2b

import pytest

from index import seen
from index.seen import SeenIds


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(seen, "_MERGE_EVERY", 5)  # most ids end in the sorted columns


def _filled(n: int) -> tuple[SeenIds, dict[str, str]]:
    ids = SeenIds()
    first = {}
    for i in range(n):
        doc_id, origin = f"doc-{i * 7919 % n}", f"/data/file-{i % 3}.jsonl"
        ids.add(doc_id, origin)
        first.setdefault(doc_id, origin)
    return ids, first


def test_every_id_keeps_the_file_it_was_first_read_from():
    ids, first = _filled(23)
    for doc_id, origin in first.items():  # read again: still the first file
        assert ids.add(doc_id, "/data/later.jsonl") == origin
    assert len(ids) == len(first) == 23
    assert {d: ids.origin(d) for d in first} == first
    assert ids.origin("doc-23") is None and "doc-23" not in ids and "doc-0" in ids
    assert ids.files() == {"/data/file-0.jsonl", "/data/file-1.jsonl", "/data/file-2.jsonl"}


def test_contains_answers_like_one_lookup_at_a_time():
    ids, first = _filled(23)
    asked = [f"doc-{i}" for i in range(-5, 30)] + ["", "ودود ✓"]
    assert ids.contains(asked).tolist() == [d in first for d in asked]
    assert ids.contains([]).tolist() == []


def test_ids_whose_digests_share_a_high_half_stay_apart(monkeypatch):
    def same_high_half(doc_id: str) -> bytes:
        return bytes(8) + blake2b(doc_id.encode(), digest_size=8).digest()
    monkeypatch.setattr(seen, "_digest", same_high_half)
    ids, first = _filled(17)
    assert {d: ids.origin(d) for d in first} == first
    assert ids.origin("doc-99") is None
    assert ids.contains(["doc-3", "doc-99", "doc-16"]).tolist() == [True, False, True]
