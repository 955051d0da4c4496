"""Zendesk Support objects: users (end-users and staff), groups, tickets and their audits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..timeutil import zulu_ts
from ._json import dumps

ORDER_FIELD, SKU_FIELD, REASON_FIELD = 360001, 360002, 360003
AUTOMATION = -1  # updater_id of automations (no user)


@dataclass(slots=True)
class ZendeskUser:
    id: int
    name: str
    email: str | None
    phone: str | None
    role: str
    external_id: str | None
    created_t: int
    updated_t: int
    time_zone: str


def user_line(u: ZendeskUser) -> str:
    return dumps(
        {
            "id": u.id,
            "name": u.name,
            "email": u.email,
            "phone": u.phone,
            "role": u.role,
            "external_id": u.external_id,
            "created_at": zulu_ts(u.created_t),
            "updated_at": zulu_ts(u.updated_t),
            "time_zone": u.time_zone,
        }
    )


def group_line(group_id: int, name: str, created_t: int, updated_t: int) -> str:
    return dumps(
        {
            "id": group_id,
            "name": name,
            "created_at": zulu_ts(created_t),
            "updated_at": zulu_ts(updated_t),
        }
    )


@dataclass(slots=True)
class Ticket:
    id: int
    created_t: int
    type: str
    subject: str
    priority: str
    requester_id: int
    submitter_id: int
    channel: str
    reason: str
    order_id: int | None
    sku: str | None
    status: str = "new"
    assignee_id: int | None = None
    group_id: int | None = None
    updated_t: int = 0
    tags: list[str] = field(default_factory=list)
    rating: str = "unoffered"
    rating_comment: str | None = None


def ticket_line(t: Ticket) -> str:
    return dumps(
        {
            "id": t.id,
            "created_at": zulu_ts(t.created_t),
            "updated_at": zulu_ts(t.updated_t or t.created_t),
            "type": t.type,
            "subject": t.subject,
            "status": t.status,
            "priority": t.priority,
            "requester_id": t.requester_id,
            "submitter_id": t.submitter_id,
            "assignee_id": t.assignee_id,
            "group_id": t.group_id,
            "via": {"channel": t.channel},
            "tags": t.tags,
            "satisfaction_rating": {"score": t.rating, "comment": t.rating_comment},
            "custom_fields": [
                {"id": ORDER_FIELD, "value": str(t.order_id) if t.order_id else None},
                {"id": SKU_FIELD, "value": t.sku},
                {"id": REASON_FIELD, "value": t.reason},
            ],
        }
    )


def change(child_id: int, name: str, value: Any, previous: Any) -> dict[str, Any]:
    return {
        "id": child_id,
        "event_type": "Change",
        "field_name": name,
        "value": value,
        "previous_value": previous,
    }


def create(child_id: int, name: str, value: Any) -> dict[str, Any]:
    return {"id": child_id, "event_type": "Create", "field_name": name, "value": value}


def comment(child_id: int, public: bool, author_id: int) -> dict[str, Any]:
    return {"id": child_id, "event_type": "Comment", "public": public, "author_id": author_id}


def audit_line(
    audit_id: int, ticket_id: int, t: int, updater_id: int, via: str, children: list[dict[str, Any]]
) -> str:
    return dumps(
        {
            "id": audit_id,
            "ticket_id": ticket_id,
            "created_at": zulu_ts(t),
            "updater_id": updater_id,
            "via": via,
            "event_type": "Audit",
            "child_events": children,
        }
    )
