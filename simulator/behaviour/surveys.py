"""Qualtrics surveys: after a solved ticket, after a delivery, and periodic relationship waves.

Some invitees start but do not finish; staff occasionally preview the survey (Status
"Survey Preview"), both of which customer metrics must exclude.  Only finished real
responses delivered inside the window are tallied as planted-effect observations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import entities as E
from ..catalog import STAFF_DOMAIN
from ..effects import REFUND_BUCKETS, auth_bucket, handoff_bucket, hold_bucket
from ..population import Person
from ..systems.surveys import Response, response_row
from ..timeutil import in_repeated_hour
from .experience import (
    ces_mean,
    csat_mean,
    delivery_answers,
    expected_nps_share,
    expected_satisfied_share,
    expected_scale_mean,
    nps_mean,
    relationship_answers,
    ticket_answers,
)

if TYPE_CHECKING:
    from ..systems.shop import Order
    from ..systems.support import Ticket
    from .service import IssueTrace
    from .world import World

POSITIVE = (
    "Quick and friendly, thanks!",
    "Great quality, will buy again.",
    "Love it",
    "Easy, no fuss.",
)
NEGATIVE = (
    'Had to repeat my order number "three times".',
    "Transferred twice, then put on hold, again.",
    "Agent was nice.\nBut the refund took forever.",
    "Delivery was late, no update.",
)


class Surveys:
    def __init__(self, world: World) -> None:
        self.w = world

    def ticket_solved(self, p: Person, ticket: Ticket, tr: IssueTrace, t_invite: int) -> None:
        w = self.w
        if w.rnd.random() >= w.cfg.behaviour.ticket_survey_response:
            return
        user = p.zd_user
        email = user.email if user is not None and user.email else p.email  # type: ignore[attr-defined]
        feats = tr.features()
        q1, q2, q3 = ticket_answers(w.cfg.effects, feats, w.rnd)
        r = self._respond(p, t_invite, "ticket_solved", (q1, q2, q3), email, ticket.id, None)
        if r is None:
            return
        e = w.cfg.effects
        mu = nps_mean(e, feats)
        w.tally.nps(
            "nps_handoffs", handoff_bucket(feats.handoffs), q1, expected_nps_share(mu, e.nps_sigma)
        )
        if feats.refund_bucket is not None:
            w.tally.nps("refund_nps", REFUND_BUCKETS[feats.refund_bucket], q1)
        hb = hold_bucket(feats.hold_seconds)
        w.tally.add("csat_hold", hb, "responses")
        w.tally.add_sum(
            "csat_hold", hb, "expected", expected_satisfied_share(csat_mean(e, feats), e.csat_sigma)
        )
        if q2 >= 4:
            w.tally.add("csat_hold", hb, "satisfied")
        ab = auth_bucket(feats.auth_repeats)
        w.tally.add("ces_auth", ab, "responses")
        w.tally.add_sum("ces_auth", ab, "sum", q3)
        w.tally.add_sum(
            "ces_auth", ab, "expected", expected_scale_mean(ces_mean(e, feats), e.ces_sigma, 1, 7)
        )
        if q3 >= 5:
            w.tally.add("ces_auth", ab, "easy")

    def order_delivered(self, p: Person, order: Order, t_invite: int, late_days: int) -> None:
        w = self.w
        if order.email is None or w.rnd.random() >= w.cfg.behaviour.delivery_survey_response:
            return
        self._respond(
            p,
            t_invite,
            "order_delivered",
            delivery_answers(w.cfg.effects, late_days, w.rnd),
            order.email,
            None,
            order.id,
        )

    def relationship(self, p: Person, t_invite: int) -> None:
        w = self.w
        if w.rnd.random() >= w.cfg.behaviour.relationship_response:
            return
        q1, q2 = relationship_answers(w.cfg.effects, p.mood, w.rnd)
        anonymous = w.rnd.random() < 0.15
        self._respond(
            p,
            t_invite,
            "relationship",
            (q1, q2, None),
            None if anonymous else p.email,
            None,
            None,
            anonymous=anonymous,
        )

    def _respond(
        self,
        p: Person,
        t_invite: int,
        trigger: str,
        answers: tuple[int | None, ...],
        email: str | None,
        ticket_id: int | None,
        order_id: int | None,
        anonymous: bool = False,
    ) -> Response | None:
        """Write the response (or an unfinished one); returns it if finished and in the window."""
        w = self.w
        rnd = w.rnd
        b = w.cfg.behaviour
        start = t_invite + int(rnd.lognormvariate(9.5, 1.0))
        if in_repeated_hour(start):
            start += 3600  # local times of the repeated autumn hour would read as the first one
        finished = rnd.random() >= b.unfinished_response
        q1, q2, q3 = answers
        progress = 100
        if finished:
            end = start + rnd.randrange(35, 420)
            recorded = end + rnd.randrange(0, 3)
        else:
            progress = rnd.randrange(10, 90)
            q1, q2, q3 = (q1 if progress > 30 else None), (q2 if progress > 60 else None), None
            end = start + rnd.randrange(20, 300)
            recorded = start + 7 * 86400  # Qualtrics closes an unfinished session after a week
        sms = not anonymous and rnd.random() < 0.08
        channel = "anonymous" if anonymous else ("sms" if sms else "email")
        ref = None
        if not anonymous and p.crm is not None and (sms or rnd.random() < 0.8):
            ref = p.crm.id  # type: ignore[attr-defined]
            if rnd.random() < w.cfg.noise.sf_id_15_chars:
                ref = ref[:15]
        recipient = None if (anonymous or sms) else w.noise.email(email, optional=False, form=True)
        comment = None
        if finished and rnd.random() < 0.3:
            pool = POSITIVE if (q1 or 0) >= 8 else NEGATIVE
            comment = pool[rnd.randrange(len(pool))]
        r = Response(
            w.ids.response_id(),
            start,
            end,
            recorded,
            False,
            progress,
            finished,
            recipient,
            ref,
            channel,
            q1,
            q2,
            q3,
            comment,
            trigger,
            ticket_id,
            order_id,
        )
        day = w.clock.day_of(recorded)
        delivered = w.sink.put(E.SURVEY_RESPONSES, day, response_row(r))
        if delivered and (recipient or ref):
            w.sink.link("surveys", "responses", r.response_id, p, day)
        return r if (delivered and finished) else None

    def preview(self, t: int) -> None:
        """A staff member testing the survey: not a customer, excluded from metrics."""
        w = self.w
        rnd = w.rnd
        if in_repeated_hour(t):
            t += 3600
        r = Response(
            w.ids.response_id(),
            t,
            t + rnd.randrange(20, 90),
            t + 100,
            True,
            100,
            True,
            f"qa.team@{STAFF_DOMAIN}" if rnd.random() < 0.5 else None,
            None,
            "anonymous",
            rnd.randrange(0, 11),
            rnd.randrange(1, 6),
            rnd.randrange(1, 8),
            "test",
            ("ticket_solved", "order_delivered", "relationship")[rnd.randrange(3)],
            None,
            None,
        )
        w.sink.put_at(E.SURVEY_RESPONSES, r.recorded, response_row(r))
