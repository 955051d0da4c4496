"""Amazon Connect contact trace records: one record per leg; transfers chain the legs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..timeutil import zulu_ts
from ._json import dumps


@dataclass(slots=True)
class Leg:
    contact_id: str
    initial_id: str
    previous_id: str | None
    channel: str  # VOICE / CHAT
    method: str  # INBOUND / TRANSFER / CALLBACK ...
    start: int
    end: int
    disconnect_reason: str
    endpoint: tuple[str, str] | None  # (Type, Address)
    queue: str | None = None
    enqueue: int = 0
    dequeue: int | None = None
    agent: str | None = None
    agent_t: int = 0
    talk: int = 0
    hold: int = 0
    holds: int = 0
    longest_hold: int = 0
    acw: int = 0
    next_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def leg_line(leg: Leg) -> str:
    queue = None
    if leg.queue is not None:
        queue = {
            "Name": leg.queue,
            "EnqueueTimestamp": zulu_ts(leg.enqueue),
            "DequeueTimestamp": zulu_ts(leg.dequeue) if leg.dequeue is not None else None,
            "Duration": (leg.dequeue if leg.dequeue is not None else leg.end) - leg.enqueue,
        }
    agent = None
    if leg.agent is not None:
        agent = {
            "Username": leg.agent,
            "ConnectedToAgentTimestamp": zulu_ts(leg.agent_t),
            "AgentInteractionDuration": leg.talk,
            "CustomerHoldDuration": leg.hold,
            "NumberOfHolds": leg.holds,
            "LongestHoldDuration": leg.longest_hold,
            "AfterContactWorkDuration": leg.acw,
        }
    return dumps(
        {
            "ContactId": leg.contact_id,
            "InitialContactId": leg.initial_id,
            "PreviousContactId": leg.previous_id,
            "NextContactId": leg.next_id,
            "Channel": leg.channel,
            "InitiationMethod": leg.method,
            "InitiationTimestamp": zulu_ts(leg.start),
            "ConnectedToSystemTimestamp": zulu_ts(leg.start + 1),
            "DisconnectTimestamp": zulu_ts(leg.end),
            "DisconnectReason": leg.disconnect_reason,
            "CustomerEndpoint": {"Type": leg.endpoint[0], "Address": leg.endpoint[1]}
            if leg.endpoint
            else None,
            "Queue": queue,
            "Agent": agent,
            "Attributes": leg.attributes,
        }
    )
