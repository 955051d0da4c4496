"""Klaviyo event export rows."""

from __future__ import annotations

from ..catalog import Campaign
from ..timeutil import local_ts

RECEIVED, OPENED, CLICKED = "Received Email", "Opened Email", "Clicked Email"
UNSUBSCRIBED, BOUNCED, SPAM = "Unsubscribed", "Bounced Email", "Marked Email as Spam"


def email_event_row(
    event_id: str, profile_id: str, email: str, event: str, t: int, c: Campaign
) -> list[str]:
    return [event_id, profile_id, email, event, local_ts(t), c.campaign_id, c.name, c.subject]
