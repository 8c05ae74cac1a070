"""encode_snapshot: index maps, arrays, rules and errors on small snapshots built in the test."""

from __future__ import annotations

import copy
from uuid import UUID

import numpy as np
import pytest

from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import example_snapshot, synthetic_snapshot
from services.matcher.engine.model import InstanceError
from services.matcher.engine.weights import ScoringWeights
from shared.snapshot import EventSnapshot

CLEANER, BUILDER, FALU = UUID(int=10), UUID(int=11), UUID(int=20)
NEED = UUID(int=500)


def snapshot_data() -> dict:
    return copy.deepcopy(example_snapshot().model_dump())


def build(data: dict) -> EventSnapshot:
    return EventSnapshot.model_validate(data)


def add_buyer(data: dict, n: int, *, needs: list[dict] = (), **organisation) -> None:
    buyer = copy.deepcopy(data["buyers"][0])
    buyer["registration_id"] = UUID(int=1000 + n)
    buyer["organisation"] |= {"id": UUID(int=n), "name": f"Köpare {n}"} | organisation
    buyer["brought_need_ids"] = [need["id"] for need in needs]
    buyer["wanted_sme_ids"] = []
    data["buyers"].append(buyer)
    for need in needs:
        data["needs"].append(copy.deepcopy(data["needs"][0]) | {"buyer_id": UUID(int=n)} | need)


def test_index_maps_follow_the_snapshot_and_needs_are_grouped_by_buyer():
    data = snapshot_data()
    add_buyer(data, 21, needs=[{"id": UUID(int=502), "title": "Snöröjning"}, {"id": UUID(int=501), "title": "Sand"}])
    add_buyer(data, 22, cpv_codes=["45000000"], description="Byggprojekt")  # brings no need
    encoded = encode_snapshot(build(data))
    assert encoded.sme_ids == (CLEANER, BUILDER)
    assert encoded.buyer_ids == (FALU, UUID(int=21), UUID(int=22))
    assert encoded.need_ids == (NEED, UUID(int=501), UUID(int=502), None)  # by buyer, then need id
    assert encoded.features.need_buyer.tolist() == [0, 1, 1, 2]
    assert encoded.need_titles[3] == "Köpare 22" and encoded.need_cpv_main[3] == "45000000"
    assert encoded.slot_indexes.tolist() == [0, 1, 2, 3]
    assert encoded.sme_index(BUILDER) == 1 and encoded.buyer_index(UUID(int=22)) == 2
    # The builder meets the buyer without needs through its profile: same CPV code.
    assert encoded.scores.cpv[1, 2] == 1.0 and encoded.scores.driving_need[1, 2] == 3


def test_arrays_of_one_small_event():
    data = snapshot_data()
    data["smes"][1]["available_slots"] = [1, 3]
    data["smes"][1]["max_meetings"] = 1
    data["buyers"][0]["tables"] = 2
    data["buyers"][0]["available_slots"] = [0, 1]
    encoded = encode_snapshot(build(data))
    features, instance = encoded.features, encoded.instance
    assert instance.sme_available.tolist() == [[True] * 4, [False, True, False, True]]
    assert instance.buyer_available.tolist() == [[True, True, False, False]]
    assert instance.sme_capacity.tolist() == [2, 1] and instance.buyer_tables.tolist() == [2]
    assert features.cpv_codes[features.sme_cpv[:, 0]].tolist() == [90910000, 45000000]
    assert features.cpv_lineage[features.sme_cpv[0, 0]].tolist()[2:5] == [90000000, 90900000, 90910000]
    # The cleaner serves county 20 (all of Dalarna); the builder only its home, Mora.
    codes = encoded.municipality_codes
    assert features.sme_served[0].sum() == len([c for c in codes if c.startswith("20")])
    assert [codes[m] for m in np.flatnonzero(features.sme_served[1])] == ["2062"]
    assert codes[features.need_municipality[0]] == "2080"
    assert features.distance_km[codes.index("2080"), codes.index("2081")] == pytest.approx(43, abs=1)
    assert features.sme_turnover.tolist() == [5e6, 30e6]
    assert features.sme_micro.tolist() == [True, False]
    assert features.need_small.tolist() == [True]  # 600,000 SEK ≤ the 700,000 SEK direct-award threshold
    assert encoded.sme_need_rank.toarray().tolist() == [[1], [0]]
    assert features.buyer_wish.tolist() == [[True], [False]]
    assert np.array_equal(instance.relevance, encoded.scores.relevance)
    assert instance.relevance[0, 0] > instance.relevance[1, 0]


def test_whole_country_and_listed_municipalities_are_served():
    data = snapshot_data()
    data["smes"][1]["organisation"]["areas_served"] = {"whole_country": True, "counties": [], "municipalities": []}
    data["smes"][0]["organisation"]["areas_served"] = {
        "whole_country": False,
        "counties": [],
        "municipalities": ["0180", "2081"],
    }
    encoded = encode_snapshot(build(data))
    codes = encoded.municipality_codes
    assert encoded.features.sme_served[1].all()
    assert sorted(codes[m] for m in np.flatnonzero(encoded.features.sme_served[0])) == ["0180", "2080", "2081"]


def test_pair_rules_and_languages_decide_what_is_allowed():
    data = snapshot_data()
    add_buyer(data, 21)
    data["pair_rules"] = [
        {"sme_id": CLEANER, "buyer_id": FALU, "rule": "never", "reason": "jäv"},
        {"sme_id": BUILDER, "buyer_id": FALU, "rule": "must_meet", "reason": ""},
        {"sme_id": UUID(int=99), "buyer_id": FALU, "rule": "never", "reason": "not registered: ignored"},
    ]
    data["smes"][1]["languages"] = ["en"]  # the builder holds meetings in English only
    encoded = encode_snapshot(build(data))
    instance = encoded.instance
    assert instance.allowed.tolist() == [[False, True], [True, False]]
    assert instance.must_meet.tolist() == [[False, False], [True, False]]
    assert instance.relevance[0, 0] == 0.0
    assert instance.relevance[1, 0] >= ScoringWeights().must_meet_score


def test_a_pair_both_must_and_never_is_an_error_naming_it():
    data = snapshot_data()
    data["pair_rules"] = [
        {"sme_id": CLEANER, "buyer_id": FALU, "rule": "must_meet", "reason": ""},
        {"sme_id": CLEANER, "buyer_id": FALU, "rule": "never", "reason": ""},
    ]
    with pytest.raises(InstanceError, match=str(CLEANER)):
        encode_snapshot(build(data))


@pytest.mark.parametrize(
    ("change", "item"),
    [
        (lambda d: d["smes"][0].update(available_slots=[0, 7]), f"sme {CLEANER}"),
        (lambda d: d["smes"].append(copy.deepcopy(d["smes"][0])), f"sme {CLEANER}"),
        (lambda d: d["smes"][1]["organisation"].update(cpv_codes=["12345678"]), f"sme {BUILDER}"),
        (lambda d: d["smes"][1]["wanted_needs"].append({"need_id": UUID(int=777), "rank": 1}), f"sme {BUILDER}"),
        (lambda d: d["buyers"][0]["brought_need_ids"].append(UUID(int=778)), f"buyer {FALU}"),
    ],
)
def test_invalid_snapshots_name_the_offending_item(change, item):
    data = snapshot_data()
    change(data)
    with pytest.raises(InstanceError) as caught:
        encode_snapshot(build(data))
    assert caught.value.item == item


def test_absent_parties_and_cancelled_needs_are_left_out():
    data = snapshot_data()
    data["buyers"][0]["wanted_sme_ids"].append(UUID(int=98))  # an SME that did not register
    data["needs"][0]["status"] = "cancelled"
    encoded = encode_snapshot(build(data))
    assert encoded.need_ids == (None,)  # the buyer is matched through its profile
    assert encoded.sme_need_rank.nnz == 0


def test_an_empty_event_encodes_to_an_empty_instance():
    data = snapshot_data() | {"smes": [], "buyers": [], "needs": []}
    encoded = encode_snapshot(build(data))
    assert encoded.instance.shape == (0, 0, 4)
    assert encoded.scores.relevance.shape == (0, 0)


def test_a_synthetic_event_encodes_with_scores_in_range():
    encoded = encode_snapshot(synthetic_snapshot(smes=60, buyers=15, needs_per_buyer=3, seed=1))
    relevance = encoded.instance.relevance
    assert relevance.shape == (60, 15)
    assert relevance.min() >= 0 and relevance.max() <= 1
    assert (relevance > 0).mean() > 0.05  # there is something to schedule
