"""``python -m services.matcher.solve``: a real process per call, as organisers' tools will run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest

from services.matcher.engine.io import BipartiteInput, encode_bipartite
from services.matcher.engine.io_output import OutputDocument
from services.matcher.engine.model import Schedule
from services.matcher.engine.quality import schedule_violations
from services.matcher.solve import main

ROOT = Path(__file__).resolve().parents[2]

BIPARTITE: dict[str, Any] = {
    "mode": "bipartite",
    "slots": ["09:00", "09:20", "09:40", "10:00"],
    "smes": [
        {"id": "städ-ab", "capacity": 2},
        {"id": "snö-hb", "capacity": 2, "available": [0, 1]},
        {"id": "it-konsult", "capacity": 1},
    ],
    "buyers": [
        {"id": "falun", "tables": 2},
        {"id": "mora", "tables": 1, "available": [1, 2, 3]},
    ],
    "pairs": [
        {"sme": "städ-ab", "buyer": "falun", "relevance": 0.9},
        {"sme": "städ-ab", "buyer": "mora", "relevance": 0.4, "must_meet": True},
        {"sme": "snö-hb", "buyer": "falun", "relevance": 0.7},
        {"sme": "snö-hb", "buyer": "mora", "relevance": 0.6, "never": True},
        {"sme": "it-konsult", "buyer": "mora", "relevance": 0.3},
    ],
    "locked": [{"sme": "it-konsult", "buyer": "mora", "slot": 3}],
}

GENERAL: dict[str, Any] = {
    "mode": "general",
    "participants": [{"id": "p1"}, {"id": "p2", "forbidden": [0]}, {"id": "p3"}, {"id": "p4"}],
    "slots": 4,
    "morning_slots": 2,
    "tables": 2,
    "meetings": [
        {"a": "p1", "b": "p2"},
        {"a": "p1", "b": "p3", "session": "morning"},
        {"a": "p3", "b": "p4", "fixed_slot": 2},
        {"a": "p2", "b": "p4"},
    ],
}


def run(tmp_path: Path, document: Any, *args: str) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "input.json"
    source.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "services.matcher.solve", str(source), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def in_process(tmp_path: Path, document: Any) -> int:
    """The CLI's ``main`` in this process (faster than a process per case); its exit code."""
    source = tmp_path / "input.json"
    source.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
    return main([str(source)])


def test_bipartite_round_trip(tmp_path: Path) -> None:
    result = run(tmp_path, BIPARTITE, "-o", str(tmp_path / "out.json"), "--seed", "1", "--time-limit", "5")
    assert result.returncode == 0, result.stderr
    output = OutputDocument.model_validate_json((tmp_path / "out.json").read_text(encoding="utf-8")).root
    instance, ids = encode_bipartite(BipartiteInput.model_validate(BIPARTITE))
    rows = [
        (ids.smes.index(m.sme), ids.buyers.index(m.buyer), m.slot, m.table)
        for m in output.meetings  # type: ignore[union-attr]
    ]
    assert schedule_violations(instance, Schedule(np.array(rows, dtype=np.int64).reshape(-1, 4))) == []
    pairs = {(m.sme, m.buyer) for m in output.meetings}  # type: ignore[union-attr]
    assert ("snö-hb", "mora") not in pairs  # never
    assert ("städ-ab", "mora") in pairs  # must meet
    assert ("it-konsult", "mora", 3, "10:00") in {(m.sme, m.buyer, m.slot, m.slot_label) for m in output.meetings}  # type: ignore[union-attr]
    report = output.report  # type: ignore[union-attr]
    assert report.relevance <= report.bound + 1e-9
    assert report.zero_meeting_smes == report.min_zero_meeting_smes == 0
    assert set(report.phase_seconds) == {"select", "place", "polish"}


def test_general_round_trip_on_stdout(tmp_path: Path) -> None:
    result = run(tmp_path, GENERAL, "--time-limit", "5")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["status"] in ("optimal", "feasible")
    slot_of = {(m["a"], m["b"]): m["slot"] for m in output["meetings"]}
    assert slot_of[("p3", "p4")] == 2
    assert slot_of[("p1", "p3")] < 2
    assert slot_of[("p1", "p2")] != 0 and slot_of[("p2", "p4")] != 0
    for slot in range(4):  # two tables
        assert sum(1 for m in output["meetings"] if m["slot"] == slot) <= 2
    assert output["report"]["breaks"]["total"] >= output["report"]["lower_bound"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["smes"][1].update(capacity=-1), "smes[1] (id 'snö-hb').capacity"),
        (lambda d: d["pairs"][2].update(buyer="borlänge"), "pairs[2].buyer: unknown buyer 'borlänge'"),
        (lambda d: d["buyers"][1].update(available=[7]), "buyers[1] (id 'mora').available[0]: slot 7"),
        (lambda d: d["pairs"][0].update(relevance=2), "pairs[0].relevance"),
    ],
)
def test_invalid_bipartite_input_exits_2_naming_the_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change, named: str
) -> None:
    document = json.loads(json.dumps(BIPARTITE))
    change(document)
    assert in_process(tmp_path, document) == 2
    stderr = capsys.readouterr().err
    assert named in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_invalid_input_in_a_real_process_is_one_line_without_traceback(tmp_path: Path) -> None:
    document = json.loads(json.dumps(BIPARTITE))
    document["smes"][0]["capacity"] = -2
    result = run(tmp_path, document)
    assert result.returncode == 2
    assert result.stderr == ("error: smes[0] (id 'städ-ab').capacity: Input should be greater than or equal to 0\n")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["meetings"][0].update(b="p9"), "meetings[0].b: unknown participant 'p9'"),
        # p2 cannot meet in slot 0, and the morning-only meeting with p2 then has slot 1 only — forbid it too.
        (
            lambda d: (
                d["meetings"].append({"a": "p2", "b": "p3", "session": "morning"})
                or d["participants"][2].update(forbidden=[1])
            ),
            "meetings[4] ('p2'–'p3')",
        ),
    ],
)
def test_invalid_general_input_exits_2_naming_the_meeting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change, named: str
) -> None:
    document = json.loads(json.dumps(GENERAL))
    change(document)
    assert in_process(tmp_path, document) == 2
    assert named in capsys.readouterr().err


def test_not_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert in_process(tmp_path, '{"mode": ') == 2
    assert "not JSON" in capsys.readouterr().err


def test_infeasible_input_exits_3_with_the_reason(tmp_path: Path) -> None:
    bipartite = json.loads(json.dumps(BIPARTITE))
    bipartite["pairs"].append({"sme": "it-konsult", "buyer": "falun", "relevance": 0.2})
    bipartite["locked"].append({"sme": "it-konsult", "buyer": "falun", "slot": 3})  # twice in slot 3
    result = run(tmp_path, bipartite)
    assert result.returncode == 3
    assert json.loads(result.stdout) == {
        "mode": "bipartite",
        "status": "infeasible",
        "reason": "SME 'it-konsult' has 2 locked meetings in slot 10:00",
    }
    assert "Traceback" not in result.stderr

    general = json.loads(json.dumps(GENERAL))
    general["meetings"] += [{"a": "p1", "b": "p4"}, {"a": "p1", "b": "p4"}, {"a": "p1", "b": "p2"}]  # 5 for p1, 4 slots
    result = run(tmp_path, general)
    assert result.returncode == 3
    assert "p1" in json.loads(result.stdout)["reason"]
    assert result.stderr.startswith("error: infeasible:")


def test_schema_is_valid_json_schema_and_accepts_the_examples() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.matcher.solve", "--schema"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for example in (BIPARTITE, GENERAL):
        jsonschema.validate(example, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**GENERAL, "tables": -1}, schema)
