"""Scoring: each component on hand-checkable pairs, combination and organiser rules, bounds, explanations."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import example_snapshot, tiny_features
from services.matcher.engine.explain import explain_pairs
from services.matcher.engine.model import InstanceError
from services.matcher.engine.scoring import PairFeatures, score_pairs
from services.matcher.engine.text import text_cosine, text_vectors
from services.matcher.engine.weights import ScoringWeights, weights_for_event

# tiny_features codes: 0 = 90910000 (class, depth 4), 1 = 45000000 (division), 2 = 90911200 (depth 6),
# 3 = 90000000 (division 90)


def features_with(**changes) -> PairFeatures:
    base = tiny_features([[0]], [[0]])
    values = {name: getattr(base, name) for name in PairFeatures.__dataclass_fields__}
    return PairFeatures(**(values | changes))


# --- CPV -----------------------------------------------------------------------------------------


def test_identical_cpv_scores_one_and_shallower_agreement_scores_less():
    scores = score_pairs(tiny_features([[0], [2], [3], [1]], [[0]], need_buyer=[0]))
    identical, same_class, same_division, other_division = scores.cpv[:, 0]
    assert identical == 1.0
    assert same_class == pytest.approx(2 * 4 / (4 + 6))  # 90911200 lies inside class 9091
    assert same_division == pytest.approx(2 * 2 / (2 + 4))
    assert other_division == 0.0
    assert identical > same_class > same_division > other_division


def test_cpv_takes_the_best_pair_over_the_smes_codes_and_the_needs_additional_codes():
    scores = score_pairs(tiny_features([[1, 2]], [[3, 2]]))  # the SME's second code equals the need's second
    assert scores.cpv[0, 0] == 1.0


def test_no_cpv_codes_means_no_cpv_fit():
    assert score_pairs(tiny_features([[]], [[0]])).cpv[0, 0] == 0.0


# --- text ------------------------------------------------------------------------------------------


def test_text_fit_recognises_swedish_compounds_and_inflections():
    smes = ["Vi erbjuder snöröjning och sandning", "Städning av kontor", "Systemutveckling och IT-konsulter"]
    needs = ["Snöröjningstjänster för kommunens fastigheter", "Lokalvård och städtjänster", "IT-konsulttjänster"]
    cosine = text_cosine(*text_vectors(smes, needs))
    # Each SME's best need is its own topic, though no whole word is shared with it.
    assert cosine.argmax(axis=1).tolist() == [0, 1, 2]
    assert cosine[0, 0] > 2 * max(cosine[0, 1], cosine[0, 2])


def test_text_fit_without_any_text_is_zero():
    smes, needs = text_vectors(["", " "], [""])
    assert text_cosine(smes, needs).tolist() == [[0.0], [0.0]]


def test_text_component_is_calibrated_between_floor_and_full():
    smes, needs = text_vectors(["snöröjning"], ["snöröjning", "lokalvård"])
    scores = score_pairs(features_with(
        sme_text=smes, need_text=needs, need_cpv=np.array([[0], [0]]), need_municipality=np.zeros(2, int),
        need_value=np.full(2, np.nan), need_small=np.zeros(2, bool), sme_need_interest=np.zeros((1, 2)),
        buyer_wish=np.zeros((1, 2), bool), need_buyer=np.array([0, 1]), must_meet=np.zeros((1, 2), bool),
        never=np.zeros((1, 2), bool),
    ))  # fmt: skip
    assert scores.text[0, 0] == 1.0  # identical text: cosine 1 ≥ text_full
    assert scores.text[0, 1] == 0.0  # nothing shared


# --- geography and size ----------------------------------------------------------------------------


def geography_case(served: list[bool], delivery: int) -> float:
    distances = np.array([[0.0, 30.0, 200.0], [30.0, 0.0, 170.0], [200.0, 170.0, 0.0]])
    features = features_with(
        sme_served=np.array([served]), distance_km=distances, need_municipality=np.array([delivery])
    )
    return float(score_pairs(features).geography[0, 0])


def test_delivery_in_the_served_area_is_one_and_farther_away_is_lower():
    assert geography_case([True, False, False], 0) == 1.0
    near, far = geography_case([True, False, False], 1), geography_case([True, False, False], 2)
    assert near == pytest.approx(np.exp(-30 / 50), rel=1e-6)
    assert far == pytest.approx(np.exp(-200 / 50), rel=1e-6)
    assert 1.0 > near > far > 0.0


def test_unknown_delivery_is_neutral_and_unknown_distance_is_zero():
    assert geography_case([True, False, False], -1) == 0.5
    features = features_with(
        sme_served=np.array([[True, False]]),
        distance_km=np.full((2, 2), np.nan),
        need_municipality=np.array([1]),
    )
    assert score_pairs(features).geography[0, 0] == 0.0


@pytest.mark.parametrize(
    ("turnover", "value", "micro", "small", "expected"),
    [
        (10e6, 5e6, False, False, 1.0),  # value below turnover
        (1e6, 10e6, False, False, 0.0),  # ten times the turnover
        (1e6, np.sqrt(10) * 1e6, False, False, 0.5),  # halfway on the log scale
        (np.nan, 5e6, False, False, 0.5),  # unknown turnover
        (10e6, np.nan, False, False, 0.5),  # unknown value
        (np.nan, np.nan, True, True, 1.0),  # direct-award sized need for a micro firm
        (1e6, 50e6, True, False, 0.0),  # micro firm, large contract
    ],
)
def test_size_fit(turnover, value, micro, small, expected):
    features = features_with(
        sme_turnover=np.array([turnover]),
        need_value=np.array([value]),
        sme_micro=np.array([micro]),
        need_small=np.array([small]),
    )
    assert score_pairs(features).size[0, 0] == pytest.approx(expected, abs=1e-6)


# --- interest, combination and rules -----------------------------------------------------------------


def test_mutual_interest_beats_one_sided_beats_none():
    def relevance(sme_wants: bool, buyer_wants: bool) -> float:
        features = features_with(
            sme_need_interest=np.array([[1.0 if sme_wants else 0.0]]), buyer_wish=np.array([[buyer_wants]])
        )
        return float(score_pairs(features).relevance[0, 0])

    none, sme_only, buyer_only, mutual = (
        relevance(False, False),
        relevance(True, False),
        relevance(False, True),
        relevance(True, True),
    )
    assert mutual > sme_only > none
    assert mutual > buyer_only > none
    assert mutual == pytest.approx(none + 0.6 * 1.0 * (1 - none))  # full interest closes 60 % of the headroom


def test_first_ranked_need_counts_more_than_third():
    weights = ScoringWeights()
    first = features_with(sme_need_interest=np.array([[weights.rank_interest(1)]]))
    third = features_with(sme_need_interest=np.array([[weights.rank_interest(3)]]))
    assert score_pairs(first).relevance[0, 0] > score_pairs(third).relevance[0, 0]


def test_a_pair_without_substance_scores_zero_unless_someone_asked():
    unrelated = tiny_features([[1]], [[0]])  # other division, no text; geography 1 and size 0.5 only
    assert score_pairs(unrelated).relevance[0, 0] == 0.0
    asked = features_with(sme_cpv=np.array([[1]]), buyer_wish=np.array([[True]]))
    assert score_pairs(asked).relevance[0, 0] > 0.0


def test_never_zeroes_and_must_meet_raises_the_score():
    base = tiny_features([[1], [1], [0]], [[0]])
    values = {name: getattr(base, name) for name in PairFeatures.__dataclass_fields__}
    features = PairFeatures(
        **values | {"must_meet": np.array([[True], [False], [False]]), "never": np.array([[False], [False], [True]])}
    )
    relevance = score_pairs(features).relevance[:, 0]
    assert relevance[0] == pytest.approx(0.9)  # no fit at all, but the organiser asked
    assert relevance[1] == 0.0
    assert relevance[2] == 0.0  # a perfect fit, but a conflict of interest


def test_buyer_relevance_is_its_best_need_and_remembers_which():
    scores = score_pairs(tiny_features([[0]], [[1], [3], [0], [1]], need_buyer=[0, 0, 0, 1]))
    assert scores.driving_need.tolist() == [[2, 3]]
    assert scores.cpv.tolist() == [[1.0, 0.0]]


def test_weights_change_the_balance_and_invalid_weights_name_the_field():
    features = tiny_features([[3]], [[0]])  # same division only: cpv 2·2/(2+4), geography 1
    cpv_heavy = score_pairs(features, weights_for_event({"cpv": 1, "text": 0, "geography": 0, "size": 0}))
    geo_heavy = score_pairs(features, weights_for_event({"cpv": 0.3, "text": 0, "geography": 1, "size": 0}))
    assert cpv_heavy.relevance[0, 0] == pytest.approx(2 / 3)
    assert geo_heavy.relevance[0, 0] > cpv_heavy.relevance[0, 0]
    with pytest.raises(InstanceError, match=r"weights\.geography"):
        weights_for_event({"geography": -0.1})
    with pytest.raises(InstanceError, match="at least one"):
        weights_for_event({"cpv": 0, "text": 0, "geography": 0, "size": 0})
    with pytest.raises(InstanceError, match=r"weights\.colour"):
        weights_for_event({"colour": 1})


def test_malformed_features_name_the_array():
    with pytest.raises(InstanceError, match="need_buyer"):
        features_with(need_buyer=np.array([1]))


# --- invariants --------------------------------------------------------------------------------------


@st.composite
def random_features(draw):
    smes, buyers = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    owners = sorted(draw(st.lists(st.integers(0, buyers - 1), min_size=0, max_size=8)) + list(range(buyers)))
    needs = len(owners)
    codes = st.lists(st.integers(0, 3), max_size=3)
    base = tiny_features([draw(codes) for _ in range(smes)], [draw(codes) for _ in range(needs)], need_buyer=owners)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = {name: getattr(base, name) for name in PairFeatures.__dataclass_fields__}
    municipalities = 3
    distances = rng.uniform(0, 300, (municipalities, municipalities))
    distances = (distances + distances.T) / 2
    np.fill_diagonal(distances, 0)
    must = rng.random((smes, buyers)) < 0.1
    values |= {
        "sme_text": sp.csr_matrix(rng.random((smes, 5)) * (rng.random((smes, 5)) < 0.5)),
        "need_text": sp.csr_matrix(rng.random((needs, 5)) * (rng.random((needs, 5)) < 0.5)),
        "sme_served": rng.random((smes, municipalities)) < 0.4,
        "need_municipality": rng.integers(-1, municipalities, needs),
        "distance_km": distances,
        "sme_turnover": np.where(rng.random(smes) < 0.3, np.nan, rng.lognormal(15, 2, smes)),
        "need_value": np.where(rng.random(needs) < 0.3, np.nan, rng.lognormal(14, 2, needs)),
        "sme_micro": rng.random(smes) < 0.5,
        "need_small": rng.random(needs) < 0.3,
        "sme_need_interest": rng.random((smes, needs)) * (rng.random((smes, needs)) < 0.3),
        "buyer_wish": rng.random((smes, buyers)) < 0.3,
        "must_meet": must,
        "never": (rng.random((smes, buyers)) < 0.1) & ~must,
    }
    # Normalise text rows to unit length, as the vectoriser does.
    for name in ("sme_text", "need_text"):
        matrix = values[name].toarray()
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        values[name] = sp.csr_matrix(np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0))
    weights = ScoringWeights(
        cpv=draw(st.floats(0, 1)), text=draw(st.floats(0, 1)), geography=draw(st.floats(0, 1)), size=0.1,
        interest=draw(st.floats(0, 1)), mutual=draw(st.floats(0, 3)),
    )  # fmt: skip
    return PairFeatures(**values), weights


@settings(max_examples=60, deadline=None)
@given(random_features())
def test_every_score_and_component_is_in_the_unit_interval_and_rules_hold(case):
    features, weights = case
    scores = score_pairs(features, weights)
    for name in ("relevance", "fit", "cpv", "text", "geography", "size", "sme_interest", "interest"):
        values = getattr(scores, name)
        assert np.all(np.isfinite(values)) and values.min() >= 0 and values.max() <= 1 + 1e-6, name
    assert np.all(scores.relevance[features.never] == 0)
    assert np.all(scores.relevance[features.must_meet] >= weights.must_meet_score - 1e-9)
    # The driving need belongs to the buyer, and the buyer's score is the best of its needs.
    assert np.all(features.need_buyer[scores.driving_need] == np.arange(features.shape[1])[None, :])
    assert np.array_equal(score_pairs(features, weights).relevance, scores.relevance)  # deterministic


# --- explanations ------------------------------------------------------------------------------------


def test_explanations_name_the_cpv_label_the_municipality_and_the_need():
    encoded = encode_snapshot(example_snapshot())
    [cleaner, builder] = explain_pairs(encoded, encoded.scores, np.array([[0, 0], [1, 0]]))
    assert cleaner.need_title == "Lokalvård i förskolor"
    assert cleaner.need_cpv == "90910000"
    assert "Ni har båda anmält intresse" in cleaner.sentence_sv
    assert "CPV 90910000 Städning stämmer" in cleaner.sentence_sv
    assert "Falun" in cleaner.sentence_sv and "Falun" in cleaner.sentence_en
    assert "Cleaning services matches" in cleaner.sentence_en
    assert cleaner.components["cpv"] == 1.0
    # The Mora builder has no CPV fit; its sentence still says where the delivery is and how far.
    assert builder.need_cpv is None
    assert "km from your area" in builder.sentence_en and "Falun" in builder.sentence_en
    assert builder.sentence_sv.endswith(".") and builder.sentence_en[0].isupper()


def test_explaining_a_pair_outside_the_event_names_it():
    encoded = encode_snapshot(example_snapshot())
    with pytest.raises(InstanceError, match=r"pairs\[1\]"):
        explain_pairs(encoded, encoded.scores, [[0, 0], [5, 0]])


def test_explanation_names_the_need_the_sme_asked_for():
    encoded = encode_snapshot(example_snapshot())
    features = encoded.features
    values = {name: getattr(features, name) for name in PairFeatures.__dataclass_fields__}
    no_wish = score_pairs(PairFeatures(**values | {"buyer_wish": np.zeros_like(features.buyer_wish)}))
    [only_sme] = explain_pairs(encoded, no_wish, [[0, 0]])
    assert only_sme.sentence_en.startswith("You marked interest in “Lokalvård i förskolor”")
    assert only_sme.sentence_sv.startswith("Ni har anmält intresse för ”Lokalvård i förskolor”")
