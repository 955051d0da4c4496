"""Customer 360: search finds people by what a service agent knows; hostile input is harmless."""

from __future__ import annotations

import pytest

from tests.dashboards.apptest import open_app, render

pytestmark = pytest.mark.slow

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE marts.dim_customer; --",
    '" OR ""="',
    "%",
    "_",
    "%' UNION SELECT customer_id, primary_email FROM marts.dim_customer --",
    "*",
    "\\",
    "') OR ('a'='a",
    "1; select * from ops.publications",
]


@pytest.fixture()
def known_customer(demo_published_con) -> dict:
    """A customer with a name, e-mail, phone and service issues."""
    row = demo_published_con.execute(
        "select c.customer_id, c.full_name, c.primary_email, c.primary_phone "
        "from marts.dim_customer c join marts.fct_service_issue i using (customer_id) "
        "where c.primary_email is not null and c.primary_phone is not null "
        "order by c.customer_id limit 1"
    ).fetchone()
    return dict(zip(("customer_id", "full_name", "email", "phone"), row, strict=True))


@pytest.fixture()
def page(monkeypatch, demo_run):
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "customer_360")
    return app


def search(app, text: str):
    app.text_input(key="customer_search").set_value(text).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("field", ["customer_id", "email", "phone", "full_name"])
def test_search_finds_the_customer(page, known_customer, demo_published_con, field) -> None:
    text = known_customer[field]
    if field == "phone":  # as a person types it: spaces, no country code
        digits = text.removeprefix("+1")
        text = f"({digits[:3]}) {digits[3:6]} {digits[6:]}"
    search(page, text)
    if page.selectbox:  # several customers share the name: pick ours
        page.selectbox(key="customer_pick").set_value(known_customer["customer_id"]).run()
    timeline = page.dataframe[-2].value  # timeline, then the identity records
    (touchpoints,) = demo_published_con.execute(
        "select count(*) from marts.fct_touchpoint where customer_id = ?",
        [known_customer["customer_id"]],
    ).fetchone()
    assert len(timeline) == touchpoints > 0
    assert any(known_customer["customer_id"] in m.value for m in page.markdown)


def test_personal_data_is_masked_until_unmasked(page, known_customer) -> None:
    """The analyst publication has no clear personal data to show; the (local demo) steward's
    toggle reads this one customer from the restricted publication (tests/privacy)."""
    search(page, known_customer["customer_id"])
    text = " ".join(m.value for m in page.markdown) + " ".join(s.value for s in page.subheader)
    for personal in ("email", "phone", "full_name"):
        assert known_customer[personal] not in text
    assert "pseudonymised" in text
    page.toggle(key="show_pii").set_value(True).run()
    text = " ".join(m.value for m in page.markdown) + " ".join(s.value for s in page.subheader)
    assert known_customer["email"] in text and known_customer["phone"] in text


@pytest.mark.parametrize("hostile", INJECTIONS)
def test_sql_injection_finds_nothing_and_breaks_nothing(page, demo_published_con, hostile):
    (customers_before,) = demo_published_con.execute(
        "select count(*) from marts.dim_customer"
    ).fetchone()
    search(page, hostile)
    assert [w.value for w in page.warning] == ["No customer matches that search."]
    assert not page.dataframe and not page.metric and not page.selectbox
    (customers_after,) = demo_published_con.execute(
        "select count(*) from marts.dim_customer"
    ).fetchone()
    assert customers_after == customers_before > 0
