"""The ticket state machine: which action is allowed in which status, and where it leads."""

from __future__ import annotations

import pytest

from enquiry.models import FINAL_STATUSES, Status
from enquiry.rules.workflow import (
    TRANSITIONS,
    Action,
    TransitionError,
    allowed_actions,
    next_status,
)

S, A = Status, Action


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (S.RECEIVED, A.ROUTE, S.ROUTED),
        (S.ROUTED, A.ACKNOWLEDGE, S.ACKNOWLEDGED),
        (S.ACKNOWLEDGED, A.START, S.IN_PROGRESS),
        (S.IN_PROGRESS, A.REQUEST_INFO, S.AWAITING_CITIZEN),
        (S.AWAITING_CITIZEN, A.CITIZEN_FOLLOW_UP, S.IN_PROGRESS),
        (S.IN_PROGRESS, A.ANSWER, S.ANSWERED),
        (S.RECEIVED, A.ANSWER, S.ANSWERED),  # the office may answer a simple question at once
        (S.RECEIVED, A.ACKNOWLEDGE, S.ACKNOWLEDGED),  # or take it on itself (自办)
        (S.ANSWERED, A.ANSWER, S.ANSWERED),  # a second, corrected answer
        (S.ANSWERED, A.CLOSE, S.CLOSED),
        (S.ANSWERED, A.CITIZEN_FOLLOW_UP, S.IN_PROGRESS),
        (S.CLOSED, A.CITIZEN_FOLLOW_UP, S.IN_PROGRESS),
        (S.RECEIVED, A.CITIZEN_FOLLOW_UP, S.RECEIVED),
        (S.ROUTED, A.CITIZEN_FOLLOW_UP, S.ROUTED),
        (S.CLOSED, A.REOPEN, S.IN_PROGRESS),
        (S.IN_PROGRESS, A.RETURN, S.RECEIVED),
        (S.ACKNOWLEDGED, A.TRANSFER, S.ROUTED),
        (S.ANSWERED, A.MERGE, S.MERGED),
        (S.ROUTED, A.REFUSE, S.REFUSED),
        (S.AWAITING_CITIZEN, A.MARK_SPAM, S.SPAM),
    ],
)
def test_allowed_transitions(status: Status, action: Action, expected: Status) -> None:
    assert next_status(status, action) is expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.RECEIVED, A.CLOSE),  # nothing is closed unanswered
        (S.IN_PROGRESS, A.CLOSE),
        (S.CLOSED, A.ANSWER),
        (S.CLOSED, A.TRANSFER),
        (S.ANSWERED, A.REFUSE),
        (S.IN_PROGRESS, A.REFUSE),
        (S.ANSWERED, A.MARK_SPAM),
        (S.AWAITING_CITIZEN, A.RETURN),
        (S.IN_PROGRESS, A.REOPEN),
        (S.REFUSED, A.CITIZEN_FOLLOW_UP),
        (S.SPAM, A.CITIZEN_FOLLOW_UP),
        (S.MERGED, A.CITIZEN_FOLLOW_UP),
        (S.MERGED, A.REOPEN),
        (S.SPAM, A.ROUTE),
    ],
)
def test_refused_transitions_raise(status: Status, action: Action) -> None:
    with pytest.raises(TransitionError) as raised:
        next_status(status, action)
    assert raised.value.action is action
    assert raised.value.status is status
    assert str(raised.value) == f"{action.value} is not allowed when a ticket is {status.value}"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            S.RECEIVED,
            [
                A.ROUTE,
                A.ACKNOWLEDGE,
                A.ANSWER,
                A.TRANSFER,
                A.CITIZEN_FOLLOW_UP,
                A.MERGE,
                A.REFUSE,
                A.MARK_SPAM,
                A.WITHDRAW,
            ],
        ),
        (S.ANSWERED, [A.ANSWER, A.CLOSE, A.CITIZEN_FOLLOW_UP, A.REOPEN, A.MERGE]),
        (S.CLOSED, [A.CITIZEN_FOLLOW_UP, A.REOPEN]),
        (S.REFUSED, []),
        (S.SPAM, []),
        (S.MERGED, []),
    ],
)
def test_allowed_actions(status: Status, expected: list[Action]) -> None:
    assert allowed_actions(status) == expected


@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_agree_with_next_status(status: Status) -> None:
    allowed = allowed_actions(status)
    for action in Action:
        if action in allowed:
            assert next_status(status, action) in Status
        else:
            with pytest.raises(TransitionError):
                next_status(status, action)


def test_every_action_has_transitions_and_only_close_abandon_and_withdraw_close() -> None:
    assert set(TRANSITIONS) == set(Action)
    for action, moves in TRANSITIONS.items():
        assert moves, action
        for before, after in moves.items():
            # 办结, 视为放弃 after a lapsed 补正, or 申请人撤回
            closes = action in {A.CLOSE, A.ABANDON, A.WITHDRAW}
            assert (after is S.CLOSED) == closes or before is after
            assert before not in FINAL_STATUSES - {S.CLOSED}, (action, before)
