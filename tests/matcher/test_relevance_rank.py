"""The relevance lists' pure functions: per-need scores for a firm, per-firm scores for a buyer, what each
side's own wishes and the organiser's rules do (nothing), the reasons, and a party not signed up yet."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import numpy as np

from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import example_snapshot
from services.matcher.relevance.guest import with_guest_buyer, with_guest_sme
from services.matcher.relevance.rank import rank_for_buyer, rank_for_sme
from shared.snapshot import EventSnapshot

BUYER = UUID(int=20)
CLEANER, BUILDER = UUID(int=10), UUID(int=11)


def _snapshot(**changes) -> EventSnapshot:
    """The example event with a second need of the buyer: roofing in Mora (the builder's trade)."""
    data = example_snapshot().model_dump()
    roof = {**data["needs"][0], "id": UUID(int=501), "title": "Takbyte på Morahallen", "cpv_main": "45261000",
            "description": "Nytt tak", "delivery_municipality": "2062", "estimated_value_sek": 5_000_000,
            "procedure": "open"}  # fmt: skip
    data["needs"].append(roof)
    data["buyers"][0]["brought_need_ids"].append(roof["id"])
    for key, value in changes.items():
        data[key] = value(data) if callable(value) else value
    return EventSnapshot.model_validate(data)


def test_a_firm_gets_one_score_per_need_and_its_trade_first():
    encoded = encode_snapshot(_snapshot())
    builder = rank_for_sme(encoded, encoded.sme_index(BUILDER))
    assert [r.need_title for r in builder] == ["Takbyte på Morahallen", "Lokalvård i förskolor"]
    assert builder[0].score > builder[1].score == 0
    assert builder[0].reason_sv.startswith("Passar er: samma CPV-område 45000000 Anläggningsarbete")
    assert "verksamma i Mora" in builder[0].reason_sv and builder[0].municipality_code == "2062"
    cleaner = rank_for_sme(encoded, encoded.sme_index(CLEANER))
    assert [r.need_title for r in cleaner] == ["Lokalvård i förskolor", "Takbyte på Morahallen"]
    assert all(r.organisation_id == BUYER and r.name == "Falu kommun" for r in cleaner)
    # The engine keeps only the buyer's best need per pair; the firm's list shows each need's own score.
    assert encoded.scores.relevance[encoded.sme_index(CLEANER), 0] * 100 >= cleaner[0].score
    assert {r.need_id for r in cleaner} == {UUID(int=500), UUID(int=501)}


def test_the_firms_own_ranks_do_not_move_its_list_but_the_buyers_wish_is_said():
    ranked = _snapshot()
    unranked = _snapshot(smes=lambda data: [{**sme, "wanted_needs": []} for sme in data["smes"]])
    first, second = (rank_for_sme(e, e.sme_index(CLEANER)) for e in map(encode_snapshot, (ranked, unranked)))
    assert [(r.need_title, r.score) for r in first] == [(r.need_title, r.score) for r in second]
    assert first[0].reason_sv.startswith("Passar er: köparen vill träffa er")
    unwished = _snapshot(buyers=lambda data: [{**data["buyers"][0], "wanted_sme_ids": []}])
    encoded = encode_snapshot(unwished)
    plain = rank_for_sme(encoded, encoded.sme_index(CLEANER))
    assert "köparen vill träffa er" not in plain[0].reason_sv and plain[0].score <= first[0].score


def test_a_buyer_gets_every_firm_by_its_best_need_without_its_own_wishes():
    encoded = encode_snapshot(_snapshot())
    ranked = rank_for_buyer(encoded, encoded.buyer_index(BUYER))
    by_name = {r.name: r for r in ranked}
    assert by_name["Städbolaget i Falun AB"].need_title == "Lokalvård i förskolor"
    assert by_name["Mora Bygg AB"].need_title == "Takbyte på Morahallen"
    assert by_name["Mora Bygg AB"].municipality_code == "2062" and by_name["Mora Bygg AB"].cpv_main == "45000000"
    # The cleaner asked for the buyer's need: the buyer is told; the buyer's own wish for it changes nothing.
    assert by_name["Städbolaget i Falun AB"].reason_sv.startswith("Passar er: vill prata om «Lokalvård i förskolor»")
    unwished = encode_snapshot(_snapshot(buyers=lambda data: [{**data["buyers"][0], "wanted_sme_ids": []}]))
    again = rank_for_buyer(unwished, unwished.buyer_index(BUYER))
    assert [(r.name, r.score) for r in again] == [(r.name, r.score) for r in ranked]
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_organiser_rules_are_not_shown_to_participants():
    never = [{"sme_id": CLEANER, "buyer_id": BUYER, "rule": "never", "reason": "jäv"}]
    plain, ruled = (encode_snapshot(_snapshot(pair_rules=rules)) for rules in ([], never))
    assert ruled.scores.relevance[ruled.sme_index(CLEANER), 0] == 0  # the schedule keeps them apart …
    # … but the firm's list does not give the conflict of interest away.
    mine = [(r.need_title, r.score) for r in rank_for_sme(ruled, ruled.sme_index(CLEANER))]
    assert mine == [(r.need_title, r.score) for r in rank_for_sme(plain, plain.sme_index(CLEANER))]


def test_nothing_in_common_says_so_in_both_languages():
    encoded = encode_snapshot(example_snapshot())
    [builder] = rank_for_sme(encoded, encoded.sme_index(BUILDER))
    assert (builder.score, builder.reason_sv, builder.reason_en) == (0, "Få gemensamma nämnare.", "Little in common.")


def test_a_firm_not_signed_up_is_scored_as_if_it_were():
    snapshot = _snapshot()
    profile = snapshot.smes[0].organisation.model_dump(mode="json")
    without = snapshot.model_copy(update={"smes": snapshot.smes[1:]})
    guest = encode_snapshot(with_guest_sme(without, profile))
    as_guest = rank_for_sme(guest, guest.sme_index(CLEANER))
    signed_up = encode_snapshot(_snapshot(smes=lambda data: [{**data["smes"][0], "wanted_needs": []}, data["smes"][1]]))
    registered = rank_for_sme(signed_up, signed_up.sme_index(CLEANER))
    assert [(r.need_id, r.score, r.reason_sv) for r in as_guest] == [
        (r.need_id, r.score, r.reason_sv) for r in registered
    ]


def test_a_buyer_not_signed_up_brings_its_open_needs_only():
    snapshot = example_snapshot()
    profile = {"id": str(UUID(int=30)), "name": "Mora kommun", "municipality_code": "2062", "cpv_codes": []}
    need = {"id": str(UUID(int=700)), "buyer": {"id": str(UUID(int=30)), "name": "Mora kommun"},
            "title": "Renovering av Mora skola", "description": "Bygg", "cpv_main": "45000000", "status": "planned",
            "delivery_municipality": "2062", "planned_tender_date": dt.date(2027, 1, 1).isoformat()}  # fmt: skip
    draft = {**need, "id": str(UUID(int=701)), "title": "Utkast", "status": "planning"}
    guest = encode_snapshot(with_guest_buyer(snapshot, profile, [need, draft]))
    ranked = rank_for_buyer(guest, guest.buyer_index(UUID(int=30)))
    assert ranked[0].name == "Mora Bygg AB" and ranked[0].need_title == "Renovering av Mora skola"
    assert "Utkast" not in guest.need_titles
    # Without open needs it is scored on its profile (one column, no need id).
    bare = encode_snapshot(with_guest_buyer(snapshot, {**profile, "cpv_codes": ["45000000"]}, [draft]))
    profile_ranked = rank_for_buyer(bare, bare.buyer_index(UUID(int=30)))
    assert {r.need_id for r in profile_ranked} == {None} and profile_ranked[0].name == "Mora Bygg AB"
    assert np.all(np.isfinite([r.score for r in profile_ranked]))
