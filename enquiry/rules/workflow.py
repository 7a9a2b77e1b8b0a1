"""The ticket state machine, in the office's own terms. Pure: no Flask, no database."""

from __future__ import annotations

import enum

from enquiry.models.tickets import Status


class Action(enum.StrEnum):
    ROUTE = "route"  # 分办: the routing office sends it to a department
    ACKNOWLEDGE = "acknowledge"  # 签收
    START = "start"  # 办理
    REQUEST_INFO = "request_info"  # 补正: ask the citizen for more information
    ANSWER = "answer"  # 答复
    CLOSE = "close"  # 办结
    RETURN = "return"  # 退单: a department gives it back to the routing office
    TRANSFER = "transfer"  # 转办
    CITIZEN_FOLLOW_UP = "citizen_follow_up"
    REOPEN = "reopen"  # 重办
    MERGE = "merge"
    REFUSE = "refuse"  # 不予受理
    MARK_SPAM = "mark_spam"
    ABANDON = "abandon"  # 视为放弃: the 补正 time limit passed unanswered (the worker, not staff)
    WITHDRAW = "withdraw"  # 申请人撤回: the applicant withdraws (recorded by staff or the citizen)


S = Status
FINAL = frozenset({S.CLOSED, S.REFUSED, S.SPAM, S.MERGED})
_OPEN = frozenset({S.RECEIVED, S.ROUTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.AWAITING_CITIZEN})

# action -> {from status: to status}
TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.ROUTE: {S.RECEIVED: S.ROUTED},
    # 签收 a routed ticket, or the routing office takes a received one on itself (自办)
    Action.ACKNOWLEDGE: {S.RECEIVED: S.ACKNOWLEDGED, S.ROUTED: S.ACKNOWLEDGED},
    Action.START: {S.ACKNOWLEDGED: S.IN_PROGRESS},
    Action.REQUEST_INFO: {S.ACKNOWLEDGED: S.AWAITING_CITIZEN, S.IN_PROGRESS: S.AWAITING_CITIZEN},
    Action.ANSWER: {
        S.RECEIVED: S.ANSWERED,
        S.ROUTED: S.ANSWERED,
        S.ACKNOWLEDGED: S.ANSWERED,
        S.IN_PROGRESS: S.ANSWERED,
        S.AWAITING_CITIZEN: S.ANSWERED,
        S.ANSWERED: S.ANSWERED,
    },
    Action.CLOSE: {S.ANSWERED: S.CLOSED},
    Action.RETURN: {S.ROUTED: S.RECEIVED, S.ACKNOWLEDGED: S.RECEIVED, S.IN_PROGRESS: S.RECEIVED},
    Action.TRANSFER: dict.fromkeys((S.RECEIVED, S.ROUTED, S.ACKNOWLEDGED, S.IN_PROGRESS), S.ROUTED),
    Action.CITIZEN_FOLLOW_UP: {
        S.RECEIVED: S.RECEIVED,
        S.ROUTED: S.ROUTED,
        S.ACKNOWLEDGED: S.ACKNOWLEDGED,
        S.IN_PROGRESS: S.IN_PROGRESS,
        S.AWAITING_CITIZEN: S.IN_PROGRESS,
        S.ANSWERED: S.IN_PROGRESS,
        S.CLOSED: S.IN_PROGRESS,
    },
    Action.REOPEN: {S.ANSWERED: S.IN_PROGRESS, S.CLOSED: S.IN_PROGRESS},
    Action.MERGE: dict.fromkeys(_OPEN | {S.ANSWERED}, S.MERGED),
    Action.REFUSE: {S.RECEIVED: S.REFUSED, S.ROUTED: S.REFUSED, S.ACKNOWLEDGED: S.REFUSED},
    Action.MARK_SPAM: dict.fromkeys(_OPEN, S.SPAM),
    Action.ABANDON: {S.AWAITING_CITIZEN: S.CLOSED},
    Action.WITHDRAW: dict.fromkeys(_OPEN, S.CLOSED),
}


class TransitionError(Exception):
    """The action is not allowed in the ticket's current state."""

    def __init__(self, action: Action, status: Status) -> None:
        super().__init__(f"{action.value} is not allowed when a ticket is {status.value}")
        self.action = action
        self.status = status


def next_status(status: Status, action: Action) -> Status:
    """Return the status after action, or raise TransitionError."""
    try:
        return TRANSITIONS[action][status]
    except KeyError:
        raise TransitionError(action, status) from None


def allowed_actions(status: Status) -> list[Action]:
    """Return the actions allowed in a status, in a stable order."""
    return [action for action in Action if status in TRANSITIONS[action]]
