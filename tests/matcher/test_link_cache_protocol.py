"""The link cache's promise, as a property over any interleaving of reads, changes, notifications and lost
connections: once a change's notification is delivered (or the connection it was sent on is lost and
listening starts again), no answer read before the change is served again, and nothing is served while
nobody listens. A read takes the database's state when it starts and may finish after later steps."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.link_cache import MISSING, LinkCache

EVENTS = [uuid.UUID(int=n + 1) for n in range(2)]
KEYS = range(3)  # key k belongs to event k % 2


def event_of(key: int) -> uuid.UUID:
    return EVENTS[key % len(EVENTS)]


steps = st.lists(
    st.one_of(
        st.tuples(st.just("start_read"), st.sampled_from(KEYS)),
        st.tuples(st.just("finish_read"), st.integers(0, 7)),
        st.tuples(st.just("change"), st.sampled_from(EVENTS)),
        st.tuples(st.just("deliver"), st.just(0)),
        st.tuples(st.just("lose"), st.just(0)),
        st.tuples(st.just("listen"), st.just(0)),
        st.tuples(st.just("get"), st.sampled_from(KEYS)),
    ),
    max_size=60,
)


@settings(max_examples=1000, deadline=None)
@given(steps)
def test_no_answer_older_than_a_delivered_change_is_served(plan):
    now = [0.0]
    cache = LinkCache(monotonic=lambda: now[0])
    cache.listening(True)
    version = dict.fromkeys(EVENTS, 0)  # the database: each event's state, counted by its changes
    floor = dict.fromkeys(EVENTS, 0)  # the oldest state a served answer may show
    pending: list[tuple[uuid.UUID, int]] = []  # notifications sent, not yet delivered
    reads: list[tuple[int, int, int]] = []  # reads under way: (key, generation at start, state seen)
    connected = True  # whether the listening connection is there (the cache hears of it only by the calls)
    for step, arg in plan:
        if step == "start_read":
            reads.append((arg, cache.generation, version[event_of(arg)]))
        elif step == "finish_read" and reads:
            key, generation, seen = reads.pop(arg % len(reads))
            cache.put(key, event_of(key), seen, generation)
        elif step == "change":
            version[arg] += 1
            if connected:
                pending.append((arg, version[arg]))
        elif step == "deliver" and pending:
            event, changed_to = pending.pop(0)
            cache.notified(str(event))
            floor[event] = max(floor[event], changed_to)
        elif step == "lose" and connected:
            connected = False
            pending.clear()  # what was sent to the lost connection never arrives
            cache.lost()
        elif step == "listen" and not connected:
            connected = True
            cache.listening(True)
            floor.update(version)  # every change before listening started is known to have happened
        elif step == "get":
            served = cache.get(arg)
            if served is not MISSING:
                assert connected, "served while nobody listens"
                assert served >= floor[event_of(arg)], (served, floor)
        now[0] += 0.001


def test_an_answer_is_asked_again_after_its_maximum_age():
    now = [0.0]
    cache = LinkCache(max_age=30.0, monotonic=lambda: now[0])
    cache.listening(True)
    assert cache.put("k", EVENTS[0], "answer", cache.generation)
    now[0] = 29.0
    assert cache.get("k") == "answer"
    now[0] = 31.0
    assert cache.get("k") is MISSING and len(cache) == 0
