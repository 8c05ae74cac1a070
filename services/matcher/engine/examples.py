"""Small hand-checkable inputs for doctests, tests and demos: a tiny snapshot and tiny feature arrays."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import numpy as np
import scipy.sparse as sp

from shared.reference.cpv import cpv_label, search_cpv
from shared.reference.municipalities import dalarna_municipalities
from shared.snapshot import EventSnapshot, content_hash

from .encode import DIRECT_AWARD_KIND
from .model import IntArray
from .scoring import PairFeatures


def example_snapshot() -> EventSnapshot:
    """A small snapshot for examples and tests: a Falun cleaner and a Mora builder meet Falu kommun.

    The buyer brings one need, "Lokalvård i förskolor" (CPV 90910000, 600,000 SEK, delivered in Falun,
    below the 700,000 SEK direct-award threshold); the cleaner ranks it first and the buyer wished to
    meet the cleaner.

    Examples
    --------
    >>> snapshot = example_snapshot()
    >>> len(snapshot.smes), len(snapshot.buyers), snapshot.hash_matches()
    (2, 1, True)
    """

    def organisation(n: int, name: str, municipality: str, cpv: list[str], description: str, **extra: object) -> dict:
        return {
            "id": UUID(int=n),
            "name": name,
            "municipality_code": municipality,
            "cpv_codes": cpv,
            "description": description,
            "keywords": extra.pop("keywords", []),
            "employees_band": extra.pop("employees_band", None),
            "turnover_sek": extra.pop("turnover_sek", None),
            "areas_served": extra.pop("areas_served", {"whole_country": False, "counties": [], "municipalities": []}),
            "certificates": [],
            "languages": ["sv"],
            "buyer_category": extra.pop("buyer_category", None),
        }

    def sme(n: int, wanted: list[dict], **profile: object) -> dict:
        return {
            "registration_id": UUID(int=100 + n),
            "organisation": organisation(n, **profile),  # type: ignore[arg-type]
            "languages": ["sv"],
            "available_slots": [0, 1, 2, 3],
            "max_meetings": 2,
            "wanted_needs": wanted,
            "contacts": [],
        }

    start = dt.datetime(2025, 10, 7, 7, 0, tzinfo=dt.UTC)
    slots = [
        {
            "index": t,
            "start": start + dt.timedelta(minutes=25 * t),
            "end": start + dt.timedelta(minutes=25 * t + 20),
            "label": f"slot {t}",
        }
        for t in range(4)
    ]
    need_id = UUID(int=500)
    data = {
        "content_hash": "0" * 64,
        "generated_at": start,
        "event": {
            "id": UUID(int=1),
            "name": "Affärsträff Falun",
            "date": dt.date(2025, 10, 7),
            "time_zone": "Europe/Stockholm",
            "status": "closed",
            "tables": 4,
            "meeting_minutes": 20,
            "default_meetings_per_sme": 2,
            "max_meetings_per_sme": 3,
            # No floor, so that the examples keep the Mora builder's meeting (relevance 0: no fit) to show
            # how agendas, calendars and re-plans handle two meetings; events default to 20 %, under which
            # the builder gets none (tests/engine/test_floor.py).
            "min_relevance_percent": 0,
            "slots": slots,
        },
        "thresholds": [{"kind": DIRECT_AWARD_KIND, "amount_sek": 700_000, "valid_from": dt.date(2022, 2, 1)}],
        "smes": [
            sme(
                10,
                [{"need_id": need_id, "rank": 1}],
                name="Städbolaget i Falun AB",
                municipality="2080",
                cpv=["90910000"],
                description="Vi utför städning och lokalvård i kontor, skolor och förskolor.",
                keywords=["städning", "fönsterputs"],
                employees_band="1-9",
                turnover_sek=5_000_000,
                areas_served={"whole_country": False, "counties": ["20"], "municipalities": []},
            ),
            sme(
                11,
                [],
                name="Mora Bygg AB",
                municipality="2062",
                cpv=["45000000"],
                description="Bygg, tak och renovering av bostäder.",
                employees_band="10-49",
                turnover_sek=30_000_000,
            ),
        ],
        "buyers": [
            {
                "registration_id": UUID(int=120),
                "organisation": organisation(
                    20, "Falu kommun", "2080", ["90910000"], "Kommun", buyer_category="municipality"
                ),
                "languages": ["sv"],
                "tables": 1,
                "available_slots": [0, 1, 2, 3],
                "representatives": [],
                "brought_need_ids": [need_id],
                "wanted_sme_ids": [UUID(int=10)],
                "contacts": [],
            }
        ],
        "needs": [
            {
                "id": need_id,
                "buyer_id": UUID(int=20),
                "title": "Lokalvård i förskolor",
                "description": "Städning av kommunens förskolor, daglig lokalvård.",
                "cpv_main": "90910000",
                "cpv_additional": [],
                "estimated_value_sek": 600_000,
                "procedure": "direct_award",
                "planned_tender_date": None,
                "delivery_municipality": "2080",
                "suitable_for_smes": True,
                "status": "planned",
                "lots": [],
            }
        ],
        "pair_rules": [],
        "cancelled": [],
    }
    snapshot = EventSnapshot.model_validate(data)
    return snapshot.model_copy(update={"content_hash": content_hash(snapshot)})


def tiny_features(
    sme_codes: list[list[int]],
    need_codes: list[list[int]],
    need_buyer: list[int] | None = None,
) -> PairFeatures:
    """Hand-sized features for doctests and tests, over the codes 90910000, 45000000, 90911200, 90000000.

    Every SME serves municipality 0 and has no text, turnover or interest; needs are delivered in
    municipality 0 and have unknown value. Code indexes: 0 = 90910000 (depth 4), 1 = 45000000 (2),
    2 = 90911200 (6), 3 = 90000000 (2).

    Examples
    --------
    >>> tiny_features([[0]], [[1], [2]], need_buyer=[0, 0]).shape
    (1, 1, 2)
    """
    lineage = np.full((4, 9), -1)
    lineage[0, [2, 3, 4]] = [90000000, 90900000, 90910000]
    lineage[1, 2] = 45000000
    lineage[2, [2, 3, 4, 5, 6]] = [90000000, 90900000, 90910000, 90911000, 90911200]
    lineage[3, 2] = 90000000
    smes, needs = len(sme_codes), len(need_codes)
    owners = np.asarray(need_buyer if need_buyer is not None else range(needs), dtype=np.int64)
    buyers = int(owners.max()) + 1 if needs else 0

    def padded(lists: list[list[int]]) -> IntArray:
        width = max((len(codes) for codes in lists), default=0)
        return np.array([codes + [-1] * (width - len(codes)) for codes in lists], dtype=np.int64).reshape(
            len(lists), width
        )

    return PairFeatures(
        cpv_codes=np.array([90910000, 45000000, 90911200, 90000000]),
        cpv_lineage=lineage,
        cpv_depth=np.array([4, 2, 6, 2]),
        sme_cpv=padded(sme_codes),
        need_cpv=padded(need_codes),
        sme_text=sp.csr_matrix((smes, 0), dtype=np.float32),
        need_text=sp.csr_matrix((needs, 0), dtype=np.float32),
        sme_served=np.ones((smes, 1), dtype=bool),
        need_municipality=np.zeros(needs, dtype=np.int64),
        distance_km=np.zeros((1, 1)),
        sme_turnover=np.full(smes, np.nan),
        need_value=np.full(needs, np.nan),
        sme_micro=np.zeros(smes, dtype=bool),
        need_small=np.zeros(needs, dtype=bool),
        sme_need_interest=sp.csr_matrix((smes, needs)),
        buyer_wish=np.zeros((smes, buyers), dtype=bool),
        need_buyer=owners,
        must_meet=np.zeros((smes, buyers), dtype=bool),
        never=np.zeros((smes, buyers), dtype=bool),
    )


def synthetic_snapshot(smes: int = 2000, buyers: int = 300, needs_per_buyer: int = 5, seed: int = 0) -> EventSnapshot:
    """A random but realistic-looking snapshot for timing the encoder and the scoring (not for tests).

    CPV codes come from a few hundred real codes with a popularity skew, texts from their Swedish labels
    plus common filler words, places from Dalarna's municipalities; every SME ranks up to three needs and
    every buyer wishes for up to four SMEs.

    Examples
    --------
    >>> snapshot = synthetic_snapshot(smes=5, buyers=2, needs_per_buyer=2)
    >>> len(snapshot.smes), len(snapshot.buyers), len(snapshot.needs)
    (5, 2, 4)
    """
    rng = np.random.default_rng(seed)
    topics = ("städ", "bygg", "snö", "mat", "it-", "transport", "konsult", "el")
    pool = sorted({code for topic in topics for code, _ in search_cpv(topic, limit=60)})
    popularity = rng.pareto(1.5, len(pool)) + 1
    popularity /= popularity.sum()
    labels = {code: cpv_label(code, "sv") for code in pool}
    places = [m.code for m in dalarna_municipalities()]
    filler = "vi är ett lokalt företag med lång erfarenhet och hög kvalitet för kommuner och regioner i Dalarna"
    filler_words = filler.split()

    def codes(k: int) -> list[str]:
        return sorted(set(rng.choice(pool, size=k, p=popularity).tolist()))

    def text(chosen: list[str]) -> str:
        return " ".join([labels[c] for c in chosen] + rng.choice(filler_words, 8).tolist())

    base = example_snapshot().model_dump()
    need_rows, sme_rows, buyer_rows = [], [], []
    for b in range(buyers):
        buyer_id = UUID(int=10**6 + b)
        brought = []
        for k in range(needs_per_buyer):
            need_codes = codes(int(rng.integers(1, 4)))
            need_id = UUID(int=2 * 10**6 + b * needs_per_buyer + k)
            brought.append(need_id)
            need_rows.append(
                base["needs"][0]
                | {
                    "id": need_id,
                    "buyer_id": buyer_id,
                    "title": labels[need_codes[0]],
                    "description": text(need_codes),
                    "cpv_main": need_codes[0],
                    "cpv_additional": need_codes[1:],
                    "estimated_value_sek": None if rng.random() < 0.2 else int(rng.lognormal(14, 1.5)),
                    "procedure": str(rng.choice(["direct_award", "simplified", "open"])),
                    "delivery_municipality": None if rng.random() < 0.1 else str(rng.choice(places)),
                }
            )
        organisation = base["buyers"][0]["organisation"] | {"id": buyer_id, "name": f"Köpare {b}"}
        buyer_rows.append(
            base["buyers"][0]
            | {
                "registration_id": UUID(int=3 * 10**6 + b),
                "organisation": organisation | {"municipality_code": str(rng.choice(places))},
                "tables": int(rng.integers(1, 3)),
                "brought_need_ids": sorted(brought),
                "wanted_sme_ids": sorted({UUID(int=i) for i in rng.integers(0, smes, rng.integers(0, 5))}),
            }
        )
    need_ids = [row["id"] for row in need_rows]
    for s in range(smes):
        chosen = codes(int(rng.integers(1, 5)))
        kind = rng.random()
        area = {
            "whole_country": bool(kind < 0.1),
            "counties": ["20"] if 0.1 <= kind < 0.6 else [],
            "municipalities": sorted(set(rng.choice(places, 2).tolist())) if kind >= 0.6 else [],
        }
        wanted = (
            rng.choice(len(need_ids), size=min(len(need_ids), int(rng.integers(0, 4))), replace=False)
            if need_ids
            else np.zeros(0, np.int64)
        )
        sme_rows.append(
            base["smes"][0]
            | {
                "registration_id": UUID(int=4 * 10**6 + s),
                "organisation": base["smes"][0]["organisation"]
                | {
                    "id": UUID(int=s),
                    "name": f"Företag {s}",
                    "municipality_code": str(rng.choice(places)),
                    "cpv_codes": chosen,
                    "description": text(chosen),
                    "keywords": rng.choice(filler_words, 2).tolist(),
                    "employees_band": str(rng.choice(["0", "1-9", "10-49", "50-249"])),
                    "turnover_sek": None if rng.random() < 0.3 else int(rng.lognormal(15.5, 1.2)),
                    "areas_served": area,
                },
                "wanted_needs": [{"need_id": need_ids[n], "rank": r + 1} for r, n in enumerate(wanted)],
            }
        )
    data = base | {
        "smes": sme_rows,
        "buyers": buyer_rows,
        "needs": sorted(need_rows, key=lambda row: row["id"]),
    }
    return EventSnapshot.model_validate(data)


def benchmark_scoring(smes: int = 2000, buyers: int = 300, needs_per_buyer: int = 5, repeats: int = 3) -> dict:
    """Time the encoder and the scoring on :func:`synthetic_snapshot` (best of ``repeats``, seconds).

    Returns
    -------
    dict
        ``text_vectors`` (TF-IDF fit), ``score_pairs`` (all components, S × N then reduced to S × B) and
        ``encode_snapshot`` (everything, scoring included), and the sizes.

    Examples
    --------
    >>> sorted(benchmark_scoring(smes=4, buyers=2, needs_per_buyer=1, repeats=1))
    ['buyers', 'encode_snapshot', 'needs', 'score_pairs', 'smes', 'text_vectors']
    """
    import time

    from .encode import encode_snapshot
    from .scoring import score_pairs
    from .text import text_vectors

    snapshot = synthetic_snapshot(smes, buyers, needs_per_buyer)
    timings: dict[str, float] = {"encode_snapshot": np.inf, "score_pairs": np.inf, "text_vectors": np.inf}
    for _ in range(repeats):
        started = time.perf_counter()
        encoded = encode_snapshot(snapshot)
        timings["encode_snapshot"] = min(timings["encode_snapshot"], time.perf_counter() - started)
        started = time.perf_counter()
        score_pairs(encoded.features, encoded.weights)
        timings["score_pairs"] = min(timings["score_pairs"], time.perf_counter() - started)
        sme_texts = [" ".join([s.organisation.description, *s.organisation.keywords]) for s in snapshot.smes]
        started = time.perf_counter()
        text_vectors(sme_texts, [f"{n.title}. {n.description}" for n in snapshot.needs])
        timings["text_vectors"] = min(timings["text_vectors"], time.perf_counter() - started)
    return timings | {"smes": smes, "buyers": buyers, "needs": len(snapshot.needs)}


if __name__ == "__main__":
    for name, value in benchmark_scoring().items():
        print(f"{name:>16}: {value:.3f}" if isinstance(value, float) else f"{name:>16}: {value}")
