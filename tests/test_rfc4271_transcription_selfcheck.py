"""Self-consistency of the RFC 4271 §8.2.2 transcription (tests/rfc4271_fsm_transcription.py).

These checks look only at the transcription itself (coverage, guard families, citations), not
at the implementation it is compared with elsewhere.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict

import pytest
from rfc4271_fsm_transcription import TRANSCRIPTION, Row

from bgpcascade.model.fsm_vocab import (
    MANDATORY_EVENTS,
    RELEASE,
    Action,
    Event,
    Guard,
    State,
)

GUARD_FAMILIES: tuple[frozenset[Guard], ...] = (
    frozenset({Guard.always}),
    frozenset({Guard.delay_open, Guard.no_delay_open}),
    frozenset({Guard.delay_open_timer_running, Guard.delay_open_timer_stopped}),
    frozenset({Guard.collision, Guard.no_collision}),
)

#: Where the brief (and the RFC text) split a (state, event) pair, and on what.
EXPECTED_SPLITS: dict[tuple[State, Event], frozenset[Guard]] = {
    **{(s, e): GUARD_FAMILIES[1]
       for s in (State.Connect, State.Active)
       for e in (Event.Tcp_CR_Acked, Event.TcpConnectionConfirmed)},
    (State.Connect, Event.TcpConnectionFails): GUARD_FAMILIES[2],
    (State.Connect, Event.NotifMsgVerErr): GUARD_FAMILIES[2],
    (State.Active, Event.NotifMsgVerErr): GUARD_FAMILIES[2],
    (State.OpenConfirm, Event.BGPOpen): GUARD_FAMILIES[3],
    (State.Established, Event.BGPOpen): GUARD_FAMILIES[3],
}


def _guards_by_pair() -> dict[tuple[State, Event], list[Guard]]:
    by_pair: dict[tuple[State, Event], list[Guard]] = defaultdict(list)
    for row in TRANSCRIPTION:
        by_pair[(row.state, row.event)].append(row.guard)
    return by_pair


def test_rows_are_frozen_and_typed() -> None:
    assert dataclasses.is_dataclass(Row)
    for row in TRANSCRIPTION:
        assert isinstance(row, Row)
        assert isinstance(row.state, State) and isinstance(row.next_state, State)
        assert isinstance(row.event, Event) and isinstance(row.guard, Guard)
        assert isinstance(row.actions, frozenset)
        assert all(isinstance(a, Action) for a in row.actions)
        assert isinstance(row.cite, str)
    with pytest.raises(dataclasses.FrozenInstanceError):
        TRANSCRIPTION[0].cite = "changed"  # type: ignore[misc]


def test_only_mandatory_events() -> None:
    assert {row.event for row in TRANSCRIPTION} == set(MANDATORY_EVENTS)


def test_every_state_and_mandatory_event_covered() -> None:
    covered = set(_guards_by_pair())
    expected = {(s, e) for s in State for e in MANDATORY_EVENTS}
    assert covered == expected, sorted(
        (s.value, int(e)) for s, e in expected.symmetric_difference(covered))


def test_no_duplicate_rows_or_keys() -> None:
    assert len(set(TRANSCRIPTION)) == len(TRANSCRIPTION)
    keys = Counter((row.state, row.event, row.guard) for row in TRANSCRIPTION)
    assert [k for k, n in keys.items() if n > 1] == []


def test_guards_form_exactly_one_complementary_family() -> None:
    for pair, guards in _guards_by_pair().items():
        assert len(guards) == len(set(guards)), pair
        assert frozenset(guards) in GUARD_FAMILIES, (pair, guards)


def test_splits_are_where_the_rfc_splits() -> None:
    for pair, guards in _guards_by_pair().items():
        assert frozenset(guards) == EXPECTED_SPLITS.get(pair, GUARD_FAMILIES[0]), pair


def test_row_count() -> None:
    # 96 (state, event) pairs; 9 of them split in two.
    assert len(TRANSCRIPTION) == 6 * 16 + len(EXPECTED_SPLITS) == 105


@pytest.mark.parametrize("row", TRANSCRIPTION,
                         ids=lambda r: f"{r.state.value}-{int(r.event)}-{r.guard.name}")
def test_cite_names_section_state_and_event(row: Row) -> None:
    assert row.cite.strip()
    assert row.cite.startswith(f"§8.2.2 {row.state.value}:"), row.cite[:40]
    assert re.search(rf"\bEvent {int(row.event)}\b", row.cite), row.cite


def test_ignored_means_no_change() -> None:
    for row in TRANSCRIPTION:
        if "ignored" in row.cite.split("CHOICE:")[0] or "does not cause change" in row.cite:
            assert row.next_state is row.state and row.actions == frozenset(), row


def test_idle_only_leaves_on_manual_start() -> None:
    for row in TRANSCRIPTION:
        if row.state is State.Idle and row.event is not Event.ManualStart:
            assert row.next_state is State.Idle and not row.actions, row


def test_falling_back_to_idle_releases_resources() -> None:
    for row in TRANSCRIPTION:
        if row.state is not State.Idle and row.next_state is State.Idle:
            assert RELEASE in row.actions, row
