"""The command-line tool's input document: its schema, and the encoding of ids to indexes.

Input is one JSON object whose ``mode`` picks the problem:

* ``"bipartite"`` — SMEs meet buyers' tables: ``slots`` (labels, or a count), ``smes``, ``buyers``,
  candidate ``pairs`` with their relevance (a pair not listed never meets), optional ``locked`` meetings;
* ``"general"`` — any participant meets any other (B2B meeting scheduling): ``participants``,
  ``slots``, ``morning_slots``, ``tables``, the requested ``meetings`` and an optional ``fairness``.

Ids are strings; slots are 0-based indexes into ``slots``. This module is the encode layer of the CLI:
:func:`encode_bipartite` and :func:`encode_general_input` turn documents into instances (raising
:class:`~.model.InstanceError` that names the offending item by its path and id), and the ``*_output``
functions of :mod:`.io_output` turn results back into documents with ids. Pure: no files, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from .general_model import encode_general
from .model import BipartiteInstance, GeneralInstance, InstanceError, apply_floor

Id = Annotated[str, Field(min_length=1, description="A non-empty string, unique among its kind.")]
SlotIndex = Annotated[int, Field(ge=0, description="0-based index into `slots`.")]
Slots = Annotated[
    list[str] | Annotated[int, Field(ge=1)],
    Field(description='Slot labels in time order (e.g. "09:00"), or how many slots there are (labelled "0", "1", …).'),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmeIn(_Strict):
    """An SME (one person at the event)."""

    id: Id
    capacity: int = Field(ge=0, description="Most meetings the SME takes (capped by its available slots).")
    available: list[SlotIndex] | None = Field(None, description="Slots the SME can meet in; null: all.")


class BuyerIn(_Strict):
    """A public buyer, staffing one or more tables."""

    id: Id
    tables: int = Field(1, ge=0, description="Tables the buyer staffs: meetings it can hold in one slot.")
    available: list[SlotIndex] | None = Field(None, description="Slots the buyer can meet in; null: all.")


class PairIn(_Strict):
    """A candidate meeting. Pairs not listed never meet."""

    sme: Id
    buyer: Id
    relevance: float = Field(ge=0, le=1, description="Score in [0, 1]; the engine maximises the total.")
    must_meet: bool = Field(False, description="The organiser requires this meeting whenever feasible.")
    never: bool = Field(False, description="The pair must not meet (e.g. a conflict of interest).")


class LockIn(_Strict):
    """A meeting that must stay exactly where it is."""

    sme: Id
    buyer: Id
    slot: SlotIndex


class BipartiteInput(_Strict):
    """SMEs meet buyers one to one at the buyers' tables."""

    mode: Literal["bipartite"]
    slots: Slots
    smes: list[SmeIn]
    buyers: list[BuyerIn]
    pairs: list[PairIn] = Field(description="Candidate pairs with relevance; each pair at most once.")
    locked: list[LockIn] = Field(default_factory=list)
    min_relevance: float = Field(
        0.0,
        ge=0,
        le=1,
        description="No meeting on a listed pair under this relevance (locked and must_meet pairs excepted); "
        "the services use the event's setting, 0.2 by default.",
    )


class ParticipantIn(_Strict):
    """A general-mode participant."""

    id: Id
    forbidden: list[SlotIndex] = Field(default_factory=list, description="Slots the participant cannot meet in.")


class GeneralMeetingIn(_Strict):
    """A requested meeting between two participants (every one must be scheduled)."""

    a: Id
    b: Id
    session: Literal["any", "morning", "afternoon"] = "any"
    fixed_slot: SlotIndex | None = Field(None, description="Fix the meeting to this slot.")


class GeneralInput(_Strict):
    """Any participant meets any other; minimise breaks (idle runs between a person's meetings)."""

    mode: Literal["general"]
    participants: list[ParticipantIn]
    slots: Slots
    morning_slots: int = Field(ge=0, description="Slots 0..morning_slots-1 are the morning.")
    tables: int = Field(ge=0, description="Meetings that can run at once in one slot.")
    meetings: list[GeneralMeetingIn]
    fairness: int | None = Field(None, ge=0, description="Bound on max − min breaks over participants.")


class InputDocument(RootModel[Annotated[BipartiteInput | GeneralInput, Field(discriminator="mode")]]):
    """The CLI's input: a bipartite or a general-mode event."""


def validation_message(error: ValidationError, raw: Any) -> str:
    """One line naming where a document is invalid: the JSON path (with the item's id) and what is wrong.

    Examples
    --------
    >>> raw = {"mode": "bipartite", "slots": 2, "smes": [{"id": "acme", "capacity": -1}], "buyers": [], "pairs": []}
    >>> try:
    ...     InputDocument.model_validate(raw)
    ... except ValidationError as error:
    ...     print(validation_message(error, raw))
    smes[0] (id 'acme').capacity: Input should be greater than or equal to 0
    """
    errors = error.errors()
    first = errors[0]
    path, node = "", raw
    for part in first["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                path += f" (id {node['id']!r})"
        elif part in ("bipartite", "general") and isinstance(node, dict) and node.get("mode") == part:
            continue  # the discriminator's branch name is not part of the document's path
        else:
            path += f".{part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        path = "mode"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{path or 'document'}: {first['msg']}{more}"


def _labels(slots: list[str] | int) -> list[str]:
    return list(slots) if isinstance(slots, list) else [str(t) for t in range(slots)]


def _index(ids: list[str], kind: str, where: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item_id in enumerate(ids):
        if item_id in index:
            raise InstanceError(f"{where}[{i}]", f"duplicate {kind} id {item_id!r}")
        index[item_id] = i
    return index


def _lookup(index: dict[str, int], item_id: str, kind: str, where: str) -> int:
    if item_id not in index:
        raise InstanceError(where, f"unknown {kind} {item_id!r}")
    return index[item_id]


def _availability(rows: Sequence[SmeIn | BuyerIn], where: str, n_slots: int) -> np.ndarray:
    available = np.ones((len(rows), n_slots), dtype=bool)
    for i, row in enumerate(rows):
        if row.available is None:
            continue
        for j, slot in enumerate(row.available):
            if slot >= n_slots:
                raise InstanceError(
                    f"{where}[{i}] (id {row.id!r}).available[{j}]", f"slot {slot} is not in 0..{n_slots - 1}"
                )
        available[i] = False
        available[i, row.available] = True
    return available


@dataclass(frozen=True)
class IdMaps:
    """Index → id of every kind, to write results (and messages) in the document's own names."""

    smes: list[str]
    buyers: list[str]
    slots: list[str]

    def humanise(self, text: str) -> str:
        """Replace the engine's ``sme 3`` / ``buyer 2`` / ``slot 1`` by ids and labels.

        Examples
        --------
        >>> IdMaps(["a", "b"], ["x"], ["09:00", "09:20"]).humanise("pair (sme 1, buyer 0) in slot 1")
        "pair (SME 'b', buyer 'x') in slot 09:20"
        """
        text = re.sub(r"\bsme (\d+)", lambda m: f"SME {self.smes[int(m.group(1))]!r}", text, flags=re.IGNORECASE)
        text = re.sub(r"\bbuyer (\d+)", lambda m: f"buyer {self.buyers[int(m.group(1))]!r}", text)
        return re.sub(r"\bslot (\d+)", lambda m: f"slot {self.slots[int(m.group(1))]}", text)


def encode_bipartite(document: BipartiteInput) -> tuple[BipartiteInstance, IdMaps]:
    """The instance of a bipartite document, and the id maps to decode results.

    Raises :class:`InstanceError` naming the item (path and id) for unknown ids, duplicates, slots out
    of range and pairs both "must meet" and "never".

    Examples
    --------
    >>> doc = BipartiteInput(mode="bipartite", slots=2, smes=[SmeIn(id="a", capacity=1)],
    ...     buyers=[BuyerIn(id="x")], pairs=[PairIn(sme="a", buyer="x", relevance=0.5)])
    >>> instance, ids = encode_bipartite(doc)
    >>> instance.shape, instance.relevance.tolist(), ids.slots
    ((1, 1, 2), [[0.5]], ['0', '1'])
    """
    labels = _labels(document.slots)
    n_slots = len(labels)
    sme_index = _index([s.id for s in document.smes], "SME", "smes")
    buyer_index = _index([b.id for b in document.buyers], "buyer", "buyers")
    shape = (len(sme_index), len(buyer_index))
    relevance, listed = np.zeros(shape), np.zeros(shape, dtype=bool)
    never, must_meet = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    for k, pair in enumerate(document.pairs):
        s = _lookup(sme_index, pair.sme, "SME", f"pairs[{k}].sme")
        b = _lookup(buyer_index, pair.buyer, "buyer", f"pairs[{k}].buyer")
        if listed[s, b]:
            raise InstanceError(f"pairs[{k}]", f"pair ({pair.sme!r}, {pair.buyer!r}) is listed twice")
        if pair.must_meet and pair.never:
            raise InstanceError(f"pairs[{k}]", f"pair ({pair.sme!r}, {pair.buyer!r}) is both must_meet and never")
        listed[s, b], relevance[s, b], never[s, b], must_meet[s, b] = True, pair.relevance, pair.never, pair.must_meet
    locked = []
    for k, lock in enumerate(document.locked):
        s = _lookup(sme_index, lock.sme, "SME", f"locked[{k}].sme")
        b = _lookup(buyer_index, lock.buyer, "buyer", f"locked[{k}].buyer")
        if lock.slot >= n_slots:
            raise InstanceError(f"locked[{k}].slot", f"slot {lock.slot} is not in 0..{n_slots - 1}")
        locked.append((s, b, lock.slot))
    instance = BipartiteInstance(
        relevance=relevance,
        allowed=listed & ~never,
        must_meet=must_meet,
        sme_capacity=np.array([s.capacity for s in document.smes], dtype=np.int64),
        buyer_tables=np.array([b.tables for b in document.buyers], dtype=np.int64),
        sme_available=_availability(document.smes, "smes", n_slots),
        buyer_available=_availability(document.buyers, "buyers", n_slots),
        locked=np.array(locked, dtype=np.int64).reshape(-1, 3),
    )
    instance = apply_floor(instance, document.min_relevance)
    return instance, IdMaps(list(sme_index), list(buyer_index), labels)


SESSIONS = {"any": 0, "morning": 1, "afternoon": 2}


def encode_general_input(document: GeneralInput) -> tuple[GeneralInstance, list[str], list[str]]:
    """The general instance of a document, with participant ids and slot labels.

    Raises :class:`InstanceError` naming the meeting (path and ids) when it is invalid or cannot fit any
    allowed slot (its session, fixed slot and the participants' forbidden slots).

    Examples
    --------
    >>> doc = GeneralInput(mode="general", participants=[ParticipantIn(id="p", forbidden=[0]), ParticipantIn(id="q")],
    ...     slots=2, morning_slots=1, tables=1, meetings=[GeneralMeetingIn(a="p", b="q", session="morning")])
    >>> try:
    ...     encode_general_input(doc)
    ... except InstanceError as error:
    ...     print(error.item)
    meetings[0] ('p'–'q')
    """
    labels = _labels(document.slots)
    n_slots = len(labels)
    index = _index([p.id for p in document.participants], "participant", "participants")
    ids = list(index)
    forbidden = np.zeros((len(ids), n_slots), dtype=bool)
    for i, participant in enumerate(document.participants):
        for j, slot in enumerate(participant.forbidden):
            if slot >= n_slots:
                raise InstanceError(
                    f"participants[{i}] (id {participant.id!r}).forbidden[{j}]",
                    f"slot {slot} is not in 0..{n_slots - 1}",
                )
            forbidden[i, slot] = True
    if document.morning_slots > n_slots:
        raise InstanceError("morning_slots", f"{document.morning_slots} is more than the {n_slots} slots")
    pairs, fixed = [], []
    for m, meeting in enumerate(document.meetings):
        pairs.append(
            (
                _lookup(index, meeting.a, "participant", f"meetings[{m}].a"),
                _lookup(index, meeting.b, "participant", f"meetings[{m}].b"),
            )
        )
        if meeting.fixed_slot is not None:
            if meeting.fixed_slot >= n_slots:
                raise InstanceError(
                    f"meetings[{m}].fixed_slot", f"slot {meeting.fixed_slot} is not in 0..{n_slots - 1}"
                )
            fixed.append((m, meeting.fixed_slot))
    instance = GeneralInstance(
        n_participants=len(ids),
        n_slots=n_slots,
        tables=document.tables,
        meetings=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        session=np.array([SESSIONS[m.session] for m in document.meetings], dtype=np.int64),
        morning_slots=document.morning_slots,
        forbidden=forbidden,
        fixed=np.array(fixed, dtype=np.int64).reshape(-1, 2),
        fairness=document.fairness,
    )
    try:
        encode_general(instance)
    except InstanceError as error:
        found = re.fullmatch(r"meeting (\d+)", error.item)
        if not found:
            raise
        m = int(found.group(1))
        message = re.sub(
            r"(participants? )(\d+)(, (\d+))?",
            lambda x: x.group(1) + ", ".join(repr(ids[int(g)]) for g in (x.group(2), x.group(4)) if g is not None),
            error.message,
        )
        raise InstanceError(f"meetings[{m}] ({document.meetings[m].a!r}–{document.meetings[m].b!r})", message) from None
    return instance, ids, labels
