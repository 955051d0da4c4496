"""The behaviour model shows in the raw extracts: journeys, chains, lifecycles, effects."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from statistics import median

from simtest_support import START, Company


def test_android_app_converts_far_below_web(company: Company) -> None:
    """Planted effect, recovered from GA4 rows alone: sessions with a purchase / sessions."""
    sessions: dict[tuple[str, int], str] = {}
    bought: set[tuple[str, int]] = set()
    for r in company.entity("digital", "events").records:
        sid = next(
            p["value"].get("int_value") for p in r["event_params"] if p["key"] == "ga_session_id"
        )
        key = (r["user_pseudo_id"], sid)
        sessions.setdefault(key, r["platform"])
        if r["event_name"] == "purchase":
            bought.add(key)
    n = Counter(sessions.values())
    conv = {p: sum(1 for k in bought if sessions[k] == p) / n[p] for p in ("WEB", "IOS", "ANDROID")}
    assert n["ANDROID"] > 300
    assert conv["ANDROID"] < 0.5 * conv["WEB"], conv
    observed = company.truth_json("effects.json")["conversion_by_platform"]["buckets"]
    for p, rate in conv.items():
        assert abs(observed[p]["rate"] - rate) < 0.01, (p, rate, observed[p])


def test_anonymous_browsing_then_login_on_the_same_device(company: Company) -> None:
    first_anon: dict[str, int] = {}
    first_known: dict[str, int] = {}
    for r in company.entity("digital", "events").records:
        d = first_known if r.get("user_id") else first_anon
        t = r["event_timestamp"]
        d[r["user_pseudo_id"]] = min(d.get(r["user_pseudo_id"], t), t)
    later_login = [u for u, t in first_known.items() if u in first_anon and first_anon[u] < t]
    assert len(later_login) > 20
    names = {r["event_name"] for r in company.entity("digital", "events").records}
    assert {
        "session_start",
        "page_view",
        "screen_view",
        "view_item",
        "add_to_cart",
        "begin_checkout",
        "purchase",
        "login",
        "sign_up",
        "search",
        "view_help_article",
        "contact_us_click",
    } <= names


def test_product_launch_mid_window_and_its_contacts(company: Company) -> None:
    effects = company.truth_json("effects.json")["product_launch"]
    versions = {
        r["updated_at"]: r
        for r in company.entity("shop", "products").records  # (re-sent copies too)
        if r["id"] == effects["product_id"]
    }
    versions = [versions[k] for k in sorted(versions, key=dt.datetime.fromisoformat)]
    assert [v["status"] for v in versions] == ["draft", "active"]
    assert (
        versions[0]["published_at"] is None
        and versions[1]["published_at"] == effects["published_at"]
    )
    launch = dt.datetime.fromisoformat(effects["published_at"])
    assert START + dt.timedelta(days=20) < launch.date() < START + dt.timedelta(days=40)
    sku = effects["sku"]
    with_launch = [
        o
        for o in company.entity("shop", "orders").records
        if any(li["sku"] == sku for li in o["line_items"])
    ]
    assert with_launch and all(
        dt.datetime.fromisoformat(o["created_at"]) >= launch for o in with_launch
    )
    tickets = [
        t
        for t in company.entity("support", "tickets").records
        if any(f["id"] == 360002 and f["value"] == sku for f in t["custom_fields"])
    ]
    assert tickets
    assert (
        effects["contacts_per_100_orders"]
        > 2 * effects["other_products"]["contacts_per_100_orders"]
    )


def test_connect_transfer_chains(company: Company) -> None:
    recs = company.entity("contact_center", "contacts").records
    by_id = {r["ContactId"]: r for r in recs}
    transfers = [r for r in recs if r["InitiationMethod"] == "TRANSFER"]
    assert transfers
    for t in transfers:
        prev = by_id.get(t["PreviousContactId"])
        if prev is not None:  # (unless that leg's line was damaged)
            assert (
                prev["InitialContactId"] == t["InitialContactId"]
                and prev["NextContactId"] == t["ContactId"]
            )
            assert prev["InitiationTimestamp"] <= t["InitiationTimestamp"]
    contained = [r for r in recs if r["Queue"] is None and r["Agent"] is None]
    abandoned = [r for r in recs if r["Queue"] is not None and r["Agent"] is None]
    held = [r for r in recs if r["Agent"] and r["Agent"]["CustomerHoldDuration"] > 0]
    assert contained and abandoned and held
    assert {r["Attributes"]["auth_attempts"] for r in recs} >= {"0", "1", "2"}
    assert any("zendesk_ticket_id" in r["Attributes"] for r in recs)
    assert {"VOICE", "CHAT"} <= {r["Channel"] for r in recs}


def test_zendesk_handoffs_reopens_automations(company: Company) -> None:
    changes: Counter[str] = Counter()
    reopen = group_handoff = automation = 0
    for ev in company.entity("support", "ticket_events").records:
        automation += ev["updater_id"] == -1 and ev["via"] == "rule"
        for c in ev["child_events"]:
            if c["event_type"] == "Change":
                changes[c["field_name"]] += 1
                reopen += (
                    c["field_name"] == "status"
                    and c["previous_value"] == "solved"
                    and c["value"] == "open"
                )
                group_handoff += c["field_name"] == "group_id" and c["previous_value"] is not None
    assert changes["status"] and changes["assignee_id"] and changes["group_id"]
    assert reopen > 0 and group_handoff > 0 and automation > 0
    scores = {
        t["satisfaction_rating"]["score"] for t in company.entity("support", "tickets").records
    }
    assert {"offered", "good", "bad"} <= scores
    channels = {t["via"]["channel"] for t in company.entity("support", "tickets").records}
    assert {"email", "web", "chat", "voice"} <= channels and channels & {"twitter", "facebook"}


def test_orders_redelivered_through_fulfilment(company: Company) -> None:
    versions = defaultdict(list)
    for r in company.entity("shop", "orders").records:
        versions[r["id"]].append(r)
    in_order = delivered = 0
    for vs in versions.values():
        stamps = [dt.datetime.fromisoformat(v["updated_at"]) for v in vs]
        in_order += stamps == sorted(stamps)  # re-sent old versions may trail a newer one
        latest = max(vs, key=lambda v: dt.datetime.fromisoformat(v["updated_at"]))
        delivered += any(f["shipment_status"] == "delivered" for f in latest["fulfillments"])
        assert all(
            dt.datetime.fromisoformat(v["created_at"]) <= s for v, s in zip(vs, stamps, strict=True)
        )
    assert in_order >= 0.95 * len(versions)
    assert max(len(v) for v in versions.values()) >= 4
    assert delivered > 50
    sources = Counter(v[0]["source_name"] for v in versions.values())
    assert set(sources) >= {"web", "pos", "iphone", "android"}
    assert all(v[0]["location_id"] for v in versions.values() if v[0]["source_name"] == "pos")


def test_refunds_link_tickets_and_are_redelivered(company: Company) -> None:
    refunds = company.entity("billing", "refunds").records
    statuses = defaultdict(list)
    for r in refunds:
        statuses[r["id"]].append(r["status"])
    assert any(s[:1] == ["pending"] and s[-1] in ("succeeded", "failed") for s in statuses.values())
    tickets = {str(t["id"]) for t in company.entity("support", "tickets").records}
    linked = [r for r in refunds if r["metadata"].get("ticket_id")]
    assert linked and sum(r["metadata"]["ticket_id"] in tickets for r in linked) >= 0.9 * len(
        linked
    )
    charges = {c["id"]: c for c in company.entity("billing", "charges").records}
    assert sum(r["charge"] in charges for r in refunds) >= 0.9 * len(refunds)
    assert all(c["metadata"]["order_id"] for c in charges.values())


def test_surveys_triggers_previews_unfinished(company: Company) -> None:
    recs = company.entity("surveys", "responses").records
    assert {r["trigger"] for r in recs} >= {"ticket_solved", "order_delivered", "relationship"}
    assert any(r["Status"] == "Survey Preview" for r in recs)
    unfinished = [r for r in recs if r["Finished"] == "False"]
    assert unfinished and all(int(r["Progress"]) < 100 for r in unfinished)
    assert any(len(r["ExternalReference"]) == 15 for r in recs) and any(
        len(r["ExternalReference"]) == 18 for r in recs
    )
    tickets = {str(t["id"]) for t in company.entity("support", "tickets").records}
    solved = [r for r in recs if r["trigger"] == "ticket_solved" and r["Status"] == "IP Address"]
    assert solved and sum(r["ticket_id"] in tickets for r in solved) >= 0.9 * len(solved)
    assert any("\n" in r["Q4"] for r in recs) or any("," in r["Q4"] for r in recs)


def test_marketing_events_and_unsubscribes(company: Company) -> None:
    events = Counter(r["Event"] for r in company.entity("marketing", "email_events").records)
    assert {
        "Received Email",
        "Opened Email",
        "Clicked Email",
        "Unsubscribed",
        "Bounced Email",
    } <= set(events)
    assert events["Received Email"] > events["Opened Email"] > events["Clicked Email"]
    consent = {
        r["email_marketing_consent"]["state"] for r in company.entity("shop", "customers").records
    }
    assert "unsubscribed" in consent


def test_weekday_and_black_friday_patterns(company: Company) -> None:
    per_day: Counter[str] = Counter()
    store_by_weekday: Counter[int] = Counter()
    seen = set()
    for r in company.entity("shop", "orders").records:
        if r["id"] in seen:
            continue
        seen.add(r["id"])
        day = r["created_at"][:10]
        per_day[day] += 1
        if r["source_name"] == "pos":
            store_by_weekday[dt.date.fromisoformat(day).weekday()] += 1
    assert per_day["2025-11-28"] > 1.5 * median(per_day.values())  # Black Friday
    assert store_by_weekday[5] > store_by_weekday[1]  # Saturday busier than Tuesday in stores


def test_planted_cx_effects_point_the_right_way(company: Company) -> None:
    e = company.truth_json("effects.json")
    nps = e["nps_by_handoffs"]["buckets"]
    assert nps["0"]["expected_nps"] > nps["1"]["expected_nps"] > nps["2+"]["expected_nps"]
    assert nps["0"]["expected_nps"] - nps["2+"]["expected_nps"] > 20
    assert set(e) >= {
        "design",
        "generation",
        "csat_by_hold_time",
        "ces_by_auth_repeats",
        "refund_cycle",
        "first_service_experience",
        "product_launch",
        "conversion_by_platform",
    }
