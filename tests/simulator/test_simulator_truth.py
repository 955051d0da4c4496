"""Ground truth: every person-identifying record is linked, and the identity traps are real."""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import pytest
from simtest_support import Company


def _csv(company: Company, name: str) -> list[dict[str, str]]:
    with open(company.truth / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _links(company: Company) -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for r in _csv(company, "record_links.csv"):
        key = (r["system"], r["entity"])
        assert r["record_id"] not in out[key], f"{key} {r['record_id']} linked twice"
        out[key][r["record_id"]] = r["person_id"]
    return out


def _identifying(company: Company) -> dict[tuple[str, str], set[str]]:
    """Record ids in the landing folder that identify a person, per the contract's list."""
    e = company.entity
    ids: dict[tuple[str, str], set[str]] = {
        ("crm", "contacts"): {r["Id"] for r in e("crm", "contacts").records},
        ("shop", "customers"): {str(r["id"]) for r in e("shop", "customers").records},
        ("billing", "customers"): {r["id"] for r in e("billing", "customers").records},
        ("support", "users"): {
            str(r["id"]) for r in e("support", "users").records if r["role"] == "end-user"
        },
        ("contact_center", "contacts"): {
            r["ContactId"]
            for r in e("contact_center", "contacts").records
            if r.get("CustomerEndpoint") or r["Attributes"].get("shop_customer_id")
        },
        ("digital", "events"): {
            r["user_pseudo_id"] for r in e("digital", "events").records if r.get("user_id")
        },
        ("marketing", "email_events"): {
            r["Profile ID"] for r in e("marketing", "email_events").records
        },
        ("surveys", "responses"): {
            r["ResponseId"]
            for r in e("surveys", "responses").records
            if r["Status"] == "IP Address" and (r["RecipientEmail"] or r["ExternalReference"])
        },
    }
    return ids


def test_every_identifying_record_is_linked(company: Company) -> None:
    links = _links(company)
    injected = company.truth_json("defects.json")["per_entity"]
    for key, ids in _identifying(company).items():
        assert ids, key
        assert ids <= set(links[key]), (key, sorted(ids - set(links[key]))[:5])
        # and links point at delivered records: only lines damaged by malformed injection are unseen
        unseen = set(links[key]) - ids
        assert (
            len(unseen)
            <= injected["/".join(key)]["malformed_lines"]
            + injected["/".join(key)]["out_of_domain_records"]
        ), key


def test_staff_and_previews_are_not_people(company: Company) -> None:
    links = _links(company)
    staff = {
        str(r["id"])
        for r in company.entity("support", "users").records
        if r["role"] in ("agent", "admin")
    }
    assert staff and not staff & set(links[("support", "users")])
    previews = {
        r["ResponseId"]
        for r in company.entity("surveys", "responses").records
        if r["Status"] == "Survey Preview"
    }
    assert previews and not previews & set(links[("surveys", "responses")])


def test_persons_are_exactly_the_linked_people(company: Company) -> None:
    persons = _csv(company, "persons.csv")
    ids = [p["person_id"] for p in persons]
    assert len(ids) == len(set(ids))
    linked = {r["person_id"] for r in _csv(company, "record_links.csv")}
    assert linked == set(ids)
    for p in persons:
        assert int(p["n_records"]) >= 1
        assert re.fullmatch(r"\d{10}", p["phone"])


def test_household_shared_email_and_phone_stay_with_their_owner(company: Company) -> None:
    traps = _csv(company, "traps.csv")
    kinds = defaultdict(list)
    for t in traps:
        kinds[t["trap"]].append(t)
    assert kinds["shared_email"] and kinds["shared_phone"] and kinds["same_name"]
    persons = {p["person_id"]: p for p in _csv(company, "persons.csv")}
    for t in kinds["shared_email"]:
        assert persons[t["other_person_id"]]["email"] == t["value"]  # the owner's own address
        assert persons[t["person_id"]]["email"] != t["value"]
    # in the extracts the family e-mail appears on records of two different people
    links = _links(company)
    family = {t["value"]: t for t in kinds["shared_email"]}
    owners_of_records: dict[str, set[str]] = defaultdict(set)
    for r in company.entity("crm", "contacts").records:
        email = r["Email"].strip().lower()
        if email in family and r["Id"] in links[("crm", "contacts")]:
            owners_of_records[email].add(links[("crm", "contacts")][r["Id"]])
    for r in company.entity("billing", "customers").records:
        email = (r.get("email") or "").strip().lower()
        if email in family and r["id"] in links[("billing", "customers")]:
            owners_of_records[email].add(links[("billing", "customers")][r["id"]])
    assert any(len(v) >= 2 for v in owners_of_records.values())


def test_same_name_strangers_are_different_people(company: Company) -> None:
    persons = {p["person_id"]: p for p in _csv(company, "persons.csv")}
    for t in (t for t in _csv(company, "traps.csv") if t["trap"] == "same_name"):
        a, b = persons[t["person_id"]], persons[t["other_person_id"]]
        assert (a["first_name"], a["last_name"]) == (b["first_name"], b["last_name"])
        assert a["household_id"] != b["household_id"]
        assert a["email"] != b["email"] and a["phone"] != b["phone"]


@pytest.mark.parametrize("noise", ["nickname", "case", "gmail", "phone_formats"])
def test_identity_noise_is_present(company: Company, noise: str) -> None:
    crm = company.entity("crm", "contacts").records
    if noise == "nickname":
        persons = {
            (p["last_name"], p["postal_code"]): p["first_name"]
            for p in _csv(company, "persons.csv")
        }
        nick = sum(
            1
            for r in crm
            if persons.get((r["LastName"], r["MailingPostalCode"]), r["FirstName"])
            != r["FirstName"]
        )
        assert nick > 0
    elif noise == "case":
        assert any(r["Email"] != r["Email"].strip().lower() for r in crm if r["Email"])
    elif noise == "gmail":
        emails = [r["email"] for r in company.entity("shop", "customers").records if r.get("email")]
        assert any("+" in e for e in emails if e.lower().endswith("@gmail.com"))
    else:
        formats = {re.sub(r"\d", "9", r["Phone"]) for r in crm if r["Phone"]}
        assert {
            "(999) 999-9999",
            "999.999.9999",
            "+9 999 999 9999",
            "9999999999",
        } <= formats  # "+1 ..." too


def test_orders_and_issues_truth(company: Company) -> None:
    injected = company.truth_json("defects.json")["per_entity"]
    orders = {o["order_id"] for o in _csv(company, "orders.csv")}
    shop_ids = {str(r["id"]) for r in company.entity("shop", "orders").records}
    assert orders
    assert (
        len(orders - shop_ids) <= injected["shop/orders"]["malformed_lines"]
    )  # lost with a damaged line only
    issues = _csv(company, "issues.csv")
    assert {i["reason"] for i in issues} >= {"order_status", "refund", "product_help"}
    tickets = {str(r["id"]) for r in company.entity("support", "tickets").records}
    truth_tickets = {t for i in issues for t in i["ticket_ids"].split(";") if t}
    # tickets of issues that open near the end may be created after the window closes
    assert len(truth_tickets & tickets) >= 0.9 * len(truth_tickets)
    for i in issues:
        assert int(i["n_contacts"]) >= (0 if i["contained"] == "help_center" else 1)
        assert i["first_contact_resolution"] in ("true", "false")
