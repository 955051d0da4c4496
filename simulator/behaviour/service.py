"""Customer issues across channels: Zendesk tickets, Amazon Connect call/chat chains, refunds.

An issue is drawn whole when it opens: its path through departments (handoffs), how the
customer reached us, holds, identity checks, refund timing, reopen and follow-ups.  Every
step is then written as the systems record it: ticket audits (Create/Change/Comment child
events) and one ticket version per day it changed, contact trace records per call leg,
Stripe refunds.  The issue's features feed the survey answers (experience.py) and the
customer's later purchase rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import entities as E
from ..catalog import QUEUES, REASON_DEPT, Agent
from ..effects import hold_bucket
from ..ids import uuid4
from ..population import MARKETING, Person
from ..systems import contact_center as cc
from ..systems import support as zd
from ..timeutil import ny_offset
from .browsing import var_cents
from .experience import IssueFeatures, refund_bucket, zendesk_good

if TYPE_CHECKING:
    from ..systems.shop import Order
    from .world import World

CHANNEL_MIX = (
    ("phone", 0.38),
    ("email", 0.22),
    ("web", 0.16),
    ("chat", 0.14),
    ("social", 0.05),
    ("mobile", 0.05),
)
HANDOFF_P = {
    "order_status": (0.70, 0.22, 0.06, 0.02),
    "refund": (0.45, 0.35, 0.15, 0.05),
    "product_help": (0.40, 0.35, 0.18, 0.07),
    "billing": (0.55, 0.30, 0.11, 0.04),
    "account": (0.65, 0.25, 0.08, 0.02),
    "other": (0.60, 0.28, 0.09, 0.03),
}
RESOLVED_ON_CALL = {
    "order_status": 0.7,
    "refund": 0.25,
    "product_help": 0.5,
    "billing": 0.6,
    "account": 0.7,
    "other": 0.6,
}
SUBJECTS = {
    "order_status": "Where is my order {order}?",
    "refund": "Return and refund for order {order}",
    "product_help": "Help setting up my {product}",
    "billing": "Question about a charge",
    "account": "Can't log in to my account",
    "other": "Question about my account",
}
TYPES = {
    "order_status": "question",
    "refund": "task",
    "product_help": "problem",
    "billing": "question",
    "account": "incident",
    "other": "question",
}
RATING_COMMENTS = (
    "Thanks, quick and helpful.",
    "Took far too long.",
    "Had to explain everything twice",
    "Great support!",
    "Still waiting for my refund",
    None,
    None,
    None,
)
AGENT_VIA = "web"  # agents work in the Zendesk web UI


@dataclass
class IssueTrace:
    """What happened in one issue; becomes a truth row and survey features."""

    issue_no: int
    person: Person
    reason: str
    opened: int
    order: Order | None
    sku: str | None
    channels: list[str] = field(default_factory=list)
    contacts: int = 0
    handoffs: int = 0
    transfers: int = 0
    auth_attempts: int = 0
    hold: int = 0
    reopened: bool = False
    contained: str = ""
    resolved: int | None = None
    repeat_contact: bool = False
    tickets: list[int] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    refund_id: str | None = None
    refund_hours: float | None = None

    @property
    def auth_repeats(self) -> int:
        return max(0, self.auth_attempts - 1)

    @property
    def fcr(self) -> bool:
        return self.contacts == 1 and not self.reopened and not self.repeat_contact

    def features(self) -> IssueFeatures:
        bucket = refund_bucket(self.refund_hours) if self.refund_hours is not None else None
        return IssueFeatures(
            self.handoffs, self.transfers, self.auth_repeats, self.hold, self.reopened, bucket
        )


class TicketLog:
    """Writes a ticket's audits as they happen and one ticket version per changed day."""

    def __init__(self, svc: Service, ticket: zd.Ticket) -> None:
        self.svc, self.t = svc, ticket
        self.pending: tuple[int, str] | None = None

    def audit(self, when: int, updater: int, via: str, children: list[dict[str, Any]]) -> None:
        w = self.svc.w
        tk = self.t
        tk.updated_t = when
        ids = w.ids
        for ch in children:
            ch["id"] = ids.zd_child()
        w.sink.put_at(
            E.SUPPORT_EVENTS,
            when,
            zd.audit_line(ids.zd_audit(), tk.id, when, updater, via, children),
        )
        clock = w.clock
        if self.pending is not None and clock.day_of(self.pending[0]) != clock.day_of(when):
            w.sink.put_at(E.SUPPORT_TICKETS, self.pending[0], self.pending[1])
        self.pending = (when, zd.ticket_line(tk))

    def set(self, name: str, value: Any) -> dict[str, Any]:
        """A Change child event, applied to the ticket."""
        prev = getattr(self.t, _ATTR[name])
        setattr(self.t, _ATTR[name], value)
        return zd.change(0, name, value, prev)

    def close(self) -> None:
        if self.pending is not None:
            self.svc.w.sink.put_at(E.SUPPORT_TICKETS, self.pending[0], self.pending[1])
            self.pending = None


_ATTR = {
    "status": "status",
    "group_id": "group_id",
    "assignee_id": "assignee_id",
    "priority": "priority",
    "satisfaction_score": "rating",
}


class Service:
    def __init__(self, world: World) -> None:
        self.w = world
        self.group_ids = [gid for gid, _ in world.catalog.groups]
        self._voice_log: TicketLog | None = None  # the ticket an agent logged during the last call

    # ------------------------------------------------------------ helpers
    def _agent(self, dept: int) -> Agent:
        agents = self.w.catalog.agents_by_dept[dept]
        return agents[self.w.rnd.randrange(len(agents))]

    def work_time(self, t: int) -> int:
        """Move an agent action into opening hours (08:00-20:00 New York)."""
        local = (t + ny_offset(t)) % 86400
        if local < 8 * 3600:
            return t + (8 * 3600 - local) + self.w.rnd.randrange(0, 5400)
        if local >= 20 * 3600:
            return t + (86400 - local) + 8 * 3600 + self.w.rnd.randrange(0, 5400)
        return t

    def _draw(self, probs: tuple[float, ...]) -> int:
        x = self.w.rnd.random()
        acc = 0.0
        for i, p in enumerate(probs):
            acc += p
            if x < acc:
                return i
        return len(probs) - 1

    def _dept_path(self, reason: str, handoffs: int, start: int) -> list[int]:
        """Departments owning the issue in turn; consecutive ones differ."""
        path = [start]
        own = REASON_DEPT[reason]
        for _ in range(handoffs):
            nxt = own if path[-1] != own else (4 if self.w.rnd.random() < 0.5 else 0)
            if nxt == path[-1]:
                nxt = (nxt + 1 + self.w.rnd.randrange(4)) % 5
            path.append(nxt)
        return path

    # ------------------------------------------------------------ an issue
    def open_issue(
        self,
        p: Person,
        t0: int,
        reason: str,
        order: Order | None = None,
        sku: str | None = None,
        depth: int = 0,
    ) -> IssueTrace:
        w = self.w
        rnd = w.rnd
        tr = IssueTrace(w.ids.issue(), p, reason, t0, order, sku)
        # many customers try the help centre first; some find their answer there
        help_p = 0.5 if reason == "product_help" else 0.3
        channel = None
        if p.kind != MARKETING and rnd.random() < help_p:
            contained = rnd.random() < (0.3 if reason == "product_help" else 0.18)
            w.browsing.help_session(
                p, t0 - rnd.randrange(300, 1800), reason, clicks_contact=not contained
            )
            if contained:
                tr.contained, tr.resolved = "help_center", t0
                w.truth.issue(tr)
                return tr
            channel = "web" if rnd.random() < 0.6 else "chat"
        if channel is None:
            channel = CHANNEL_MIX[self._draw(tuple(s for _, s in CHANNEL_MIX))][0]
        handoffs = self._draw(HANDOFF_P[reason])
        if channel == "phone" or (channel == "chat" and rnd.random() < 0.45):
            self._phone_first(tr, "VOICE" if channel == "phone" else "CHAT", handoffs)
        else:
            zd_channel = {"social": "twitter" if rnd.random() < 0.5 else "facebook"}.get(
                channel, channel
            )
            self._ticket_first(tr, zd_channel, handoffs)
        self._finish(tr, depth)
        return tr

    def _finish(self, tr: IssueTrace, depth: int) -> None:
        w = self.w
        rnd = w.rnd
        p = tr.person
        if tr.resolved is None:
            w.truth.issue(tr)
            return
        poor = tr.handoffs >= 2 or tr.reopened or tr.contacts > 1
        if depth == 0 and rnd.random() < (0.15 if poor else 0.04):
            again = self.open_issue(
                p,
                tr.resolved + int(rnd.uniform(0.2, 6.5) * 86400),
                tr.reason if rnd.random() < 0.5 else "other",
                tr.order,
                tr.sku,
                depth + 1,
            )
            tr.repeat_contact = (
                again.contacts > 0
            )  # (the help centre may have answered it this time)
        w.truth.issue(tr)
        w.on_issue_resolved(p, tr.resolved, tr.fcr)

    # ------------------------------------------------------------ Zendesk-first
    def _ticket_first(self, tr: IssueTrace, channel: str, handoffs: int) -> None:
        w = self.w
        rnd = w.rnd
        p = tr.person
        t0 = tr.opened
        user = w.accounts.zendesk_user(p, t0 - 5, channel)
        tk = self._new_ticket(tr, t0, channel, user.id, user.id)
        log = TicketLog(self, tk)
        tr.contacts += 1
        tr.channels.append(channel)
        log.audit(
            t0,
            user.id,
            channel,
            [
                zd.create(0, "status", "new"),
                zd.create(0, "priority", tk.priority),
                zd.create(0, "type", tk.type),
                zd.comment(0, True, user.id),
            ],
        )
        chat = channel == "chat"
        path = self._dept_path(tr.reason, handoffs, 0)
        t = t0 + (rnd.randrange(30, 240) if chat else rnd.randrange(300, 7200))
        log.audit(
            t,
            zd.AUTOMATION,
            "rule",
            [log.set("group_id", self.group_ids[path[0]]), log.set("status", "open")],
        )
        agent = self._agent(path[0])
        t = self.work_time(
            t + (rnd.randrange(60, 300) if chat else int(rnd.expovariate(1 / 14400)))
        )
        log.audit(
            t,
            agent.zd_id,
            AGENT_VIA,
            [log.set("assignee_id", agent.zd_id), zd.comment(0, True, agent.zd_id)]
            + ([log.set("status", "pending")] if not chat else []),
        )
        if channel in ("twitter", "facebook"):
            w.accounts.complete_zendesk_user(p, t + rnd.randrange(600, 7200))
        self._work_ticket(tr, log, path, t, channel, user.id)

    def _new_ticket(
        self, tr: IssueTrace, t: int, channel: str, requester: int, submitter: int
    ) -> zd.Ticket:
        w = self.w
        o = tr.order
        product = w.catalog.launch.title if tr.sku == w.commerce.launch_sku else "order"
        subject = SUBJECTS[tr.reason].format(order=o.name if o is not None else "", product=product)
        tk = zd.Ticket(
            w.ids.zd_ticket(),
            t,
            TYPES[tr.reason],
            subject,
            "high" if tr.reason == "refund" and w.rnd.random() < 0.3 else "normal",
            requester,
            submitter,
            channel,
            tr.reason,
            o.id if o is not None else None,
            tr.sku,
            updated_t=t,
            tags=[tr.reason, channel],
        )
        tr.tickets.append(tk.id)
        self._tally_ticket(tk, o)
        return tk

    def _tally_ticket(self, tk: zd.Ticket, o: Order | None) -> None:
        w = self.w
        if w.clock.day_of(tk.created_t) >= w.clock.days:
            return
        launch = w.commerce.launch_sku
        skus = {li.sku for li in o.items} if o is not None else set()
        if tk.sku:
            skus.add(tk.sku)
        if launch in skus:
            w.tally.add("launch", "launch", "tickets")
        if skus - {launch}:
            w.tally.add("launch", "other", "tickets")

    def _work_ticket(
        self, tr: IssueTrace, log: TicketLog, path: list[int], t: int, channel: str, requester: int
    ) -> None:
        """Handoffs, a chasing call, the refund, solve, reopen, rating, close, survey."""
        w = self.w
        rnd = w.rnd
        tk = log.t
        chat = channel == "chat"
        for dept in path[1:]:
            t += rnd.randrange(600, 4 * 3600) if chat else rnd.randrange(2 * 3600, 30 * 3600)
            if tk.status == "pending":
                log.audit(
                    t,
                    requester,
                    channel,
                    [zd.comment(0, True, requester), log.set("status", "open")],
                )
                t += rnd.randrange(600, 3 * 3600)
            agent = self._agent(dept)
            t = self.work_time(t)
            log.audit(
                t,
                tk.assignee_id or agent.zd_id,
                AGENT_VIA,
                [
                    log.set("group_id", self.group_ids[dept]),
                    log.set("assignee_id", agent.zd_id),
                    zd.comment(0, False, tk.assignee_id or agent.zd_id),
                ],
            )
            tr.handoffs += 1
            t = self.work_time(t + rnd.randrange(1800, 12 * 3600))
            log.audit(t, agent.zd_id, AGENT_VIA, [zd.comment(0, True, agent.zd_id)])
        if tr.reason == "refund" and tr.order is not None:
            t = self._refund(tr, tk, t)
        elif not chat:
            t = self.work_time(t + rnd.randrange(1800, 20 * 3600))
        else:
            t += rnd.randrange(120, 1200)
        if t - tr.opened > 48 * 3600 and rnd.random() < 0.35:
            chase = tr.opened + int((t - tr.opened) * rnd.uniform(0.4, 0.9))
            self._chain(tr, self.work_time(chase), "VOICE", [path[-1]], tk, create_ticket=False)
        self._solve(tr, log, t)
        if rnd.random() < 0.07 + (0.08 if tr.handoffs >= 2 else 0.0):
            t = tr.resolved + rnd.randrange(3600, 3 * 86400)  # type: ignore[operator]
            log.audit(
                t, requester, channel, [log.set("status", "open"), zd.comment(0, True, requester)]
            )
            tr.reopened = True
            self._solve(tr, log, self.work_time(t + rnd.randrange(3 * 3600, 30 * 3600)))
        self._after_solve(tr, log, requester)

    def _solve(self, tr: IssueTrace, log: TicketLog, t: int) -> None:
        agent = log.t.assignee_id or self._agent(0).zd_id
        log.audit(t, agent, AGENT_VIA, [zd.comment(0, True, agent), log.set("status", "solved")])
        tr.resolved = t

    def _after_solve(self, tr: IssueTrace, log: TicketLog, requester: int) -> None:
        w = self.w
        rnd = w.rnd
        solved = tr.resolved
        assert solved is not None
        feats = tr.features()
        offered = solved + rnd.randrange(20 * 3600, 28 * 3600)
        log.audit(offered, zd.AUTOMATION, "rule", [log.set("satisfaction_score", "offered")])
        if rnd.random() < w.cfg.behaviour.zendesk_rating_response:
            good = zendesk_good(w.cfg.effects, feats, rnd)
            rated = offered + rnd.randrange(600, 36 * 3600)
            log.t.rating_comment = RATING_COMMENTS[rnd.randrange(len(RATING_COMMENTS))]
            log.audit(
                rated,
                requester,
                "email",
                [log.set("satisfaction_score", "good" if good else "bad")],
            )
            if w.clock.day_of(rated) < w.clock.days:
                w.tally.add("zendesk_hold", hold_bucket(tr.hold), "ratings")
                if good:
                    w.tally.add("zendesk_hold", hold_bucket(tr.hold), "good")
        log.audit(
            solved + 4 * 86400 + rnd.randrange(0, 3600),
            zd.AUTOMATION,
            "rule",
            [log.set("status", "closed")],
        )
        log.close()
        w.surveys.ticket_solved(tr.person, log.t, tr, solved + rnd.randrange(1800, 24 * 3600))

    def _refund(self, tr: IssueTrace, tk: zd.Ticket, t: int) -> int:
        """The refund a ticket asked for; its cycle time is the planted driver."""
        w = self.w
        rnd = w.rnd
        order = tr.order
        assert order is not None
        x = rnd.random()
        hours = (
            rnd.uniform(1, 24)
            if x < 0.5
            else (rnd.uniform(24, 72) if x < 0.8 else rnd.uniform(72, 240))
        )
        created = max(t + 600, tk.created_t + int(hours * 3600))
        item = order.items[rnd.randrange(len(order.items))]
        amount = (
            order.total
            if rnd.random() < 0.4
            else min(order.total, var_cents(item.price) * item.quantity)
        )
        reason = "requested_by_customer" if rnd.random() < 0.85 else None
        settle = 0.0 if rnd.random() < 0.6 else rnd.uniform(1, 48)
        refund, done = w.commerce.refund(order, created, amount, tk.id, reason, settle)
        if refund is not None:
            tr.refund_id = refund.id
            tr.refund_hours = (refund.created - tk.created_t) / 3600  # the refund that succeeded
            w.on_refund(tr.person, done, refund_bucket(tr.refund_hours))
        return self.work_time(created + rnd.randrange(600, 6 * 3600))

    # ------------------------------------------------------------ phone / chat first
    def _phone_first(self, tr: IssueTrace, channel: str, handoffs: int) -> None:
        w = self.w
        rnd = w.rnd
        t = self.work_time(tr.opened)
        tr.opened = t
        transfers_on_call = min(handoffs, 2)
        path = self._dept_path(
            tr.reason, transfers_on_call, 0 if rnd.random() < 0.7 else REASON_DEPT[tr.reason]
        )
        method = "INBOUND"
        for _attempt in range(3):
            outcome = self._chain(tr, t, channel, path, None, create_ticket=True, method=method)
            if outcome != "abandoned":
                break
            # tries again later, or had asked the queue to call back
            method = "CALLBACK" if channel == "VOICE" and rnd.random() < 0.4 else "INBOUND"
            t = self.work_time(t + rnd.randrange(600, 4 * 3600))
        else:
            tr.resolved = None  # gave up
            return
        if outcome == "contained":
            tr.resolved = tr.opened if tr.resolved is None else tr.resolved
            return
        log = self._voice_log
        rest = handoffs - transfers_on_call
        assert log is not None
        requester = log.t.requester_id
        if rest == 0 and rnd.random() < RESOLVED_ON_CALL[tr.reason] and tr.reason != "refund":
            self._solve(tr, log, log.t.updated_t + rnd.randrange(30, 240))
            self._after_solve(tr, log, requester)
            return
        if log.t.status != "pending":
            log.audit(
                log.t.updated_t + rnd.randrange(60, 600),
                log.t.assignee_id or requester,
                AGENT_VIA,
                [log.set("status", "pending")],
            )
        more = self._dept_path(tr.reason, rest, path[-1])
        self._work_ticket(tr, log, more, log.t.updated_t, "email", requester)

    def _chain(
        self,
        tr: IssueTrace,
        t: int,
        channel: str,
        path: list[int],
        ticket: zd.Ticket | None,
        create_ticket: bool,
        method: str = "INBOUND",
    ) -> str:
        """One call or chat with its transfer legs; returns 'contained', 'abandoned' or 'handled'."""
        w = self.w
        rnd = w.rnd
        p = tr.person
        tr.contacts += 1
        tr.channels.append("phone" if channel == "VOICE" else "chat")
        if channel == "VOICE":
            registered = p.crm is not None and p.crm.created_t <= t  # type: ignore[attr-defined]
            number = (
                p.hh.landline
                if (p.owns_landline and registered and rnd.random() < 0.5)
                else p.phone
            )
            endpoint: tuple[str, str] | None = ("TELEPHONE_NUMBER", "+1" + number)  # type: ignore[operator]
        else:
            endpoint = ("EMAIL_ADDRESS", p.email) if (p.email and rnd.random() < 0.8) else None
        first_id = uuid4(rnd)
        tr.chains.append(first_id)
        legs: list[cc.Leg] = []
        attrs: dict[str, str] = {"intent": tr.reason}
        if ticket is not None:
            attrs["zendesk_ticket_id"] = str(ticket.id)
        outcome = "handled"
        self._voice_log = None
        now = t
        prev: cc.Leg | None = None
        for k, dept in enumerate(path):
            leg = cc.Leg(
                first_id if k == 0 else uuid4(rnd),
                first_id,
                prev.contact_id if prev else None,
                channel,
                method if k == 0 else "TRANSFER",
                now,
                now,
                "CUSTOMER_DISCONNECT",
                endpoint,
            )
            # identity checks: the IVR at the start, and again after many transfers
            attempts = (
                (1 + (rnd.random() < 0.15))
                if k == 0
                else ((1 + (rnd.random() < 0.1)) if rnd.random() < 0.55 else 0)
            )
            tr.auth_attempts += attempts
            la = dict(attrs)
            authed = attempts > 0 or k > 0
            la["authenticated"] = "true" if authed else "false"
            la["auth_attempts"] = str(attempts)
            if authed and p.shop is not None:
                la["shop_customer_id"] = str(p.shop.id)  # type: ignore[attr-defined]
            ivr = rnd.randrange(25, 150) if k == 0 else rnd.randrange(5, 30)
            now += ivr
            if (
                k == 0
                and tr.reason == "order_status"
                and ticket is None
                and rnd.random() < 0.35
                and channel == "VOICE"
            ):
                leg.end, leg.disconnect_reason = now, "CONTACT_FLOW_DISCONNECT"
                leg.attributes = la
                legs.append(leg)
                tr.contained = "ivr"
                tr.resolved = now
                outcome = "contained"
                break
            leg.queue, leg.enqueue = QUEUES[dept], now
            wait = int(rnd.expovariate(1 / (40 if channel == "CHAT" else 95)))
            if k == 0 and rnd.random() < min(0.4, wait / 1200):
                leg.dequeue = leg.end = now + wait
                leg.attributes = la
                legs.append(leg)
                outcome = "abandoned"
                break
            now += wait
            agent = self._agent(dept)
            leg.dequeue = leg.agent_t = now
            leg.agent = agent.username
            talk = (
                int(rnd.lognormvariate(5.8, 0.5))
                if channel == "VOICE"
                else int(rnd.lognormvariate(6.2, 0.5))
            )
            if channel == "VOICE" and rnd.random() < 0.6:
                leg.holds = 1 + (rnd.random() < 0.35) + (rnd.random() < 0.1)
                holds = [int(rnd.expovariate(1 / 80)) + 10 for _ in range(leg.holds)]
                if rnd.random() < 0.15:
                    holds[0] += rnd.randrange(300, 1000)
                leg.hold, leg.longest_hold = sum(holds), max(holds)
                tr.hold += leg.hold
            leg.talk = talk
            now += talk + leg.hold
            last = k == len(path) - 1
            if last and create_ticket:
                tk = self._voice_ticket(tr, leg.agent_t + talk // 2, agent, dept, channel)
                la["zendesk_ticket_id"] = str(tk.id)
            leg.acw = rnd.randrange(20, 200)
            leg.end = now
            leg.disconnect_reason = "CUSTOMER_DISCONNECT" if last else "AGENT_DISCONNECT"
            leg.attributes = la
            if prev is not None:
                prev.next_id = leg.contact_id
                if dept != path[k - 1]:
                    tr.handoffs += 1
            if k > 0:
                tr.transfers += 1
            legs.append(leg)
            prev = leg
            now += rnd.randrange(5, 40)
        for leg in legs:
            day = w.clock.day_of(leg.start)
            if w.sink.put(E.CONNECT_CONTACTS, day, cc.leg_line(leg)) and (
                leg.endpoint or "shop_customer_id" in leg.attributes
            ):
                w.sink.link("contact_center", "contacts", leg.contact_id, p, day)
        return outcome

    def _voice_ticket(
        self, tr: IssueTrace, t: int, agent: Agent, dept: int, channel: str
    ) -> zd.Ticket:
        """The agent logs the call as a ticket in their own group (same contact as the call)."""
        w = self.w
        via = "voice" if channel == "VOICE" else "chat"
        user = w.accounts.zendesk_user(tr.person, t - 30, via)
        tk = self._new_ticket(tr, t, via, user.id, agent.zd_id)
        log = TicketLog(self, tk)
        tk.status, tk.group_id, tk.assignee_id = "open", self.group_ids[dept], agent.zd_id
        log.audit(
            t,
            agent.zd_id,
            via,
            [
                zd.create(0, "status", "open"),
                zd.create(0, "priority", tk.priority),
                zd.create(0, "group_id", tk.group_id),
                zd.create(0, "assignee_id", agent.zd_id),
                zd.comment(0, False, agent.zd_id),
            ],
        )
        self._voice_log = log
        return tk
