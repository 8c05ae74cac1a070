"""Text vectors: the de-duplicated fit is scikit-learn's TfidfVectorizer to the bit."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from services.matcher.engine.text import NGRAM_RANGE, PRUNE_FROM_DOCUMENTS, text_vectors

WORDS = ["snöröjning", "städning", "lokalvård", "och", "bygg", "IT-drift", "vägar", "skolor", "el", "måleri"]


def reference(smes: list[str], needs: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix] | None:
    """The vectoriser itself, as the text fit was first written (None: every n-gram pruned)."""
    corpus = [*smes, *needs]
    vectoriser = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        lowercase=True,
        max_df=0.5 if len(corpus) >= PRUNE_FROM_DOCUMENTS else 1.0,
        dtype=np.float32,
    )
    try:
        matrix = vectoriser.fit_transform(corpus).tocsr()
    except ValueError:
        return None
    return matrix[: len(smes)], matrix[len(smes) :]


texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=5).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(texts, min_size=1, max_size=40),
    st.lists(texts, min_size=1, max_size=40),
    st.integers(1, 3),
)
def test_text_vectors_equal_the_vectoriser_bit_for_bit(smes, needs, copies):
    smes, needs = smes * copies, needs  # repeated texts, below and above PRUNE_FROM_DOCUMENTS documents
    ours = text_vectors(smes, needs)
    theirs = reference(smes, needs)
    if theirs is None or not any(text.strip() for text in smes + needs):
        assert ours[0].shape[1] == 0 and ours[1].shape[1] == 0
        return
    for mine, expected in zip(ours, theirs, strict=True):
        assert mine.shape == expected.shape
        assert mine.dtype == expected.dtype == np.float32
        assert np.array_equal(mine.indptr, expected.indptr)
        assert np.array_equal(mine.indices, expected.indices)
        assert np.array_equal(mine.data, expected.data)


def test_identical_texts_prune_to_no_text_signal():
    smes, needs = ["städning i skolor"] * 30, ["städning i skolor"] * 30
    sme_vectors, need_vectors = text_vectors(smes, needs)
    assert sme_vectors.shape == (30, 0) and need_vectors.shape == (30, 0)
