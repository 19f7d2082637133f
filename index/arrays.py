"""Numpy helpers shared by the facet tables and the alias pass."""

from __future__ import annotations

import numpy as np


def ranges(begins: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Positions ``begins[i] .. begins[i] + lengths[i] - 1`` of every range, laid end to end
    (the elements of a CSR array's chosen rows)."""
    return (np.repeat(begins - (np.cumsum(lengths) - lengths), lengths)
            + np.arange(int(lengths.sum())))
