"""Text fit: character n-gram TF-IDF of the SMEs' and the needs' texts, and their cosine similarity.

Why character n-grams (``analyzer="char_wb"``, 3–5 characters) and not words: Swedish writes compounds
as one word and inflects heavily, so the same thing appears as "snöröjning", "snöröjningen",
"snöröjningstjänster" or "vinterväghållning och snöröjning". Word tokens would see different words; the
n-grams inside them ("snö", "öröj", "röjni", …) are shared, so the texts still match — without a
language-specific stemmer or compound splitter (none is well kept for Swedish in the Python ecosystem).
``sublinear_tf`` (1 + log tf) keeps a long description that repeats a word from drowning the rest.
Rows are L2-normalised by the vectoriser, so the cosine is a plain sparse product.

Speed: n-grams found in over half the documents (" och", "er ", "ing") carry almost no information
(idf ≈ 1.7 against ≈ 8 for rare ones) yet every pair shares them, which made the sparse product of
2,000 SMEs × 1,500 needs take ~0.45 s; dropping them (``max_df=0.5``) took it to ~0.07 s. Small corpora
(below :data:`PRUNE_FROM_DOCUMENTS`) keep every n-gram: with three documents "over half" would be most
of the shared vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from .model import FloatArray

PRUNE_FROM_DOCUMENTS = 50
NGRAM_RANGE = (3, 5)
DENSE_SHARE = 0.005  # an n-gram touching 0.5 % of all pairs is cheaper in the dense product


def text_vectors(sme_texts: Sequence[str], need_texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Fit one TF-IDF vocabulary on both sides' texts and return their L2-normalised vectors.

    Parameters
    ----------
    sme_texts : sequence of str
        One text per SME (description and keywords).
    need_texts : sequence of str
        One text per need (title and description).

    Returns
    -------
    sme_vectors, need_vectors : scipy.sparse.csr_matrix
        Shapes (S, V) and (N, V), float32, each non-empty row of unit length. With no usable text at all
        (every text empty) V is 0.

    Examples
    --------
    >>> smes, needs = text_vectors(["Snöröjning och sandning"], ["Snöröjningstjänster", "Lokalvård"])
    >>> smes.shape[0], needs.shape[0], smes.shape[1] == needs.shape[1]
    (1, 2, True)
    """
    corpus = [*sme_texts, *need_texts]
    n_smes = len(sme_texts)
    if not any(text.strip() for text in corpus):
        return sp.csr_matrix((n_smes, 0), dtype=np.float32), sp.csr_matrix((len(need_texts), 0), dtype=np.float32)
    # What TfidfVectorizer(analyzer="char_wb", sublinear_tf=True, max_df=…) computes, with each distinct text
    # counted once and its row repeated: events repeat texts (a buyer's units bringing the same needs),
    # and counting n-grams is most of the fit. The document frequencies still count every document, so
    # the matrix is the vectoriser's to the bit (same vocabulary order, values and index order; tested).
    distinct: dict[str, int] = {}
    repeat = np.array([distinct.setdefault(text, len(distinct)) for text in corpus], dtype=np.int64)
    counter = CountVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, lowercase=True, dtype=np.float32)
    try:
        counts = counter.fit_transform(list(distinct)).tocsr()[repeat]
    except ValueError:  # no n-gram at all (every text shorter than an n-gram): no text signal
        return sp.csr_matrix((n_smes, 0), dtype=np.float32), sp.csr_matrix((len(need_texts), 0), dtype=np.float32)
    max_df = 0.5 if len(corpus) >= PRUNE_FROM_DOCUMENTS else 1.0
    kept = np.flatnonzero(np.bincount(counts.indices, minlength=counts.shape[1]) <= max_df * len(corpus))
    if not len(kept):  # every n-gram pruned (e.g. all texts identical): no text signal
        return sp.csr_matrix((n_smes, 0), dtype=np.float32), sp.csr_matrix((len(need_texts), 0), dtype=np.float32)
    matrix = TfidfTransformer(sublinear_tf=True).fit_transform(counts[:, kept]).tocsr()
    return matrix[:n_smes], matrix[n_smes:]


class TextSimilarity:
    """Cosine similarity of SME texts with need texts, computed for blocks of SMEs.

    The product is split by n-gram once, over the whole event: the few n-grams shared by many SME–need
    pairs (SMEs having it × needs having it ≥ :data:`DENSE_SHARE` of all pairs) go through a dense BLAS
    product, the long tail through a sparse one. The sum is the same cosine; on 2,000 × 1,500 texts that
    are alike (a sector's firms all write "städning") it is about twice as fast as one sparse product.

    Parameters
    ----------
    sme_vectors, need_vectors : scipy.sparse matrix
        (S, V) and (N, V), as from :func:`text_vectors`.

    Examples
    --------
    >>> smes, needs = text_vectors(["Snöröjning och sandning", "Städning"], ["Snöröjningstjänster", "Lokalvård"])
    >>> cosine = TextSimilarity(smes, needs).block(slice(0, 1))
    >>> cosine.shape, bool(cosine[0, 0] > 3 * cosine[0, 1])
    ((1, 2), True)
    """

    def __init__(self, sme_vectors: sp.spmatrix, need_vectors: sp.spmatrix) -> None:
        self.shape = (sme_vectors.shape[0], need_vectors.shape[0])
        smes, needs = sp.csc_matrix(sme_vectors, dtype=np.float32), sp.csc_matrix(need_vectors, dtype=np.float32)
        pairs_touched = np.diff(smes.indptr).astype(np.float64) * np.diff(needs.indptr)
        cut = DENSE_SHARE * self.shape[0] * self.shape[1]
        heavy = np.flatnonzero((pairs_touched >= cut) & (pairs_touched > 0))
        light = np.flatnonzero((pairs_touched > 0) & (pairs_touched < cut))
        self._sme_heavy = smes[:, heavy].tocsr()
        self._need_heavy = np.ascontiguousarray(needs[:, heavy].toarray().T)  # (H, N)
        self._sme_light = smes[:, light].tocsr()
        self._need_light = needs[:, light].T.tocsr()  # (L, N)

    def block(self, rows: slice) -> FloatArray:
        """(rows, N) float32 cosines in [0, 1] for the SMEs in ``rows``."""
        sme_heavy = self._sme_heavy[rows]
        product = sme_heavy.toarray() @ self._need_heavy
        if self._need_light.shape[0]:
            product += (self._sme_light[rows] @ self._need_light).toarray()
        return np.clip(product, 0.0, 1.0, out=product)


def text_cosine(sme_vectors: sp.spmatrix, need_vectors: sp.spmatrix) -> FloatArray:
    """Cosine similarity of every SME text with every need text (see :class:`TextSimilarity`).

    Parameters
    ----------
    sme_vectors, need_vectors : scipy.sparse matrix
        (S, V) and (N, V), as from :func:`text_vectors`.

    Returns
    -------
    (S, N) float32 in [0, 1]

    Examples
    --------
    >>> smes, needs = text_vectors(["Snöröjning och sandning"], ["Snöröjningstjänster", "Lokalvård i skolor"])
    >>> cosine = text_cosine(smes, needs)
    >>> bool(cosine[0, 0] > 3 * cosine[0, 1])
    True
    """
    return TextSimilarity(sme_vectors, need_vectors).block(slice(None))
