"""The engine's distances cover all of Sweden: an event in Skåne scores nearness as one in Dalarna does."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from services.matcher.engine.encode import _distance_matrix
from shared.reference.municipalities import dalarna_municipalities, distance_km


def test_dalarna_distances_are_unchanged():
    codes = tuple(m.code for m in dalarna_municipalities())
    matrix = _distance_matrix(codes)
    for (i, a), (j, b) in itertools.product(enumerate(codes), repeat=2):
        assert matrix[i, j] == pytest.approx(distance_km(a, b), abs=1e-9)


def test_municipalities_elsewhere_have_distances():
    malmo, lund, kiruna, falun = "1280", "1281", "2584", "2080"
    matrix = _distance_matrix((malmo, lund, kiruna, falun))
    assert np.isfinite(matrix).all()
    assert matrix[0, 1] < 30  # Malmö–Lund are neighbours
    assert matrix[0, 2] > 1000  # Malmö–Kiruna spans the country
    assert np.allclose(matrix, matrix.T)
    assert np.allclose(np.diag(matrix), 0)


def test_an_unknown_code_has_no_distance():
    matrix = _distance_matrix(("2080", "9999"))
    assert matrix[0, 0] == 0
    assert np.isnan(matrix[0, 1]) and np.isnan(matrix[1, 1])
