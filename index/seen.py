"""The article ids one pass over the sources has read, and the file each was first read from.

A dict of id strings held about 110 bytes an id, plus the memory its strings kept from
being returned (each id is allocated among the articles being read): the build's parent
grew by about 200 bytes an article, 200 MiB at a million. Here an id is a 128-bit digest
(two uint64 columns, sorted) and a file number, 20 bytes; ids newer than the last merge
wait in a small dict. No library keeps a compact, growing set of strings with a value
each; the digests make a false "duplicate" as likely as a 128-bit hash collision.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import blake2b

import numpy as np

_MERGE_EVERY = 1 << 16  # ids kept in the dict before they join the sorted columns


def _digest(doc_id: str) -> bytes:
    return blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _halves(digests: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The high and low uint64 halves of digests laid end to end."""
    both = np.frombuffer(digests, dtype=">u8").astype(np.uint64)
    return both[0::2], both[1::2]


class SeenIds:
    """A growing map of id → origin (the file of its first reading)."""

    def __init__(self) -> None:
        self._files: list[str] = []  # file number → origin
        self._file_no: dict[str, int] = {}
        self._recent: dict[bytes, int] = {}  # digest → file number, since the last merge
        self._keys = np.empty(0, np.uint64)  # high half of each digest, sorted
        self._checks = np.empty(0, np.uint64)  # low half, in the same order
        self._file_of = np.empty(0, np.uint32)

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def add(self, doc_id: str, origin: str) -> str | None:
        """Record ``doc_id`` as read from ``origin``; if it was read before, change nothing
        and return the file of that first reading."""
        digest = _digest(doc_id)
        earlier = self._find(digest)
        if earlier is not None:
            return self._files[earlier]
        file_no = self._file_no.setdefault(origin, len(self._files))
        if file_no == len(self._files):
            self._files.append(origin)
        self._recent[digest] = file_no
        if len(self._recent) >= _MERGE_EVERY:
            self._merge()
        return None

    def origin(self, doc_id: str) -> str | None:
        """The file ``doc_id`` was first read from, or None if it has not been read."""
        file_no = self._find(_digest(doc_id))
        return None if file_no is None else self._files[file_no]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.origin(doc_id) is not None

    def contains(self, doc_ids: Iterable[str]) -> np.ndarray:
        """A boolean per id of ``doc_ids``: read or not (in one numpy search)."""
        digests = [_digest(d) for d in doc_ids]
        if not digests:
            return np.zeros(0, bool)
        keys, checks = _halves(b"".join(digests))
        out = np.array([d in self._recent for d in digests], bool)
        lo = np.searchsorted(self._keys, keys, side="left")
        hi = np.searchsorted(self._keys, keys, side="right")
        for i in np.flatnonzero(~out & (hi > lo)).tolist():  # a key taken: compare checks
            out[i] = bool((self._checks[lo[i]:hi[i]] == checks[i]).any())
        return out

    def files(self) -> set[str]:
        """Every file an id was read from."""
        return set(self._files)

    def _find(self, digest: bytes) -> int | None:
        """The file number of ``digest``, new or merged, or None."""
        if digest in self._recent:
            return self._recent[digest]
        key, check = (int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big"))
        lo = int(np.searchsorted(self._keys, np.uint64(key), side="left"))
        for i in range(lo, len(self._keys)):
            if int(self._keys[i]) != key:
                break
            if int(self._checks[i]) == check:
                return int(self._file_of[i])
        return None

    def _merge(self) -> None:
        # Insert the sorted new ids where they belong: each column is copied once, with no
        # whole-size temporaries (an argsort of everything left ~30 bytes an id of heap).
        keys, checks = _halves(b"".join(self._recent))
        files = np.fromiter(self._recent.values(), np.uint32, len(self._recent))
        order = np.argsort(keys, kind="stable")
        keys, checks, files = keys[order], checks[order], files[order]
        at = np.searchsorted(self._keys, keys, side="right")
        self._keys = np.insert(self._keys, at, keys)
        self._checks = np.insert(self._checks, at, checks)
        self._file_of = np.insert(self._file_of, at, files)
        self._recent = {}
