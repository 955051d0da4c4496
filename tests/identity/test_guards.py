"""The guards: shared household contact points and namesakes never merge two people."""

from __future__ import annotations

import datetime as dt

from identity import ResolutionConfig, resolve
from identity.guards import Profile, merge_profiles
from tests.identity.builders import customers, named, records, same

DETERMINISTIC = ResolutionConfig(probabilistic=None)


def test_profiles_merge_only_when_compatible() -> None:
    bill = named("bill")
    william = named("william", birth_date=dt.date(1980, 1, 2))
    mary = named("mary")
    nameless = Profile()
    merged = merge_profiles(bill, william)
    assert merged is not None and "william" in merged.first_keys
    assert merged.birth_date == dt.date(1980, 1, 2)
    assert merge_profiles(bill, mary) is None
    assert merge_profiles(nameless, mary) is not None
    other_birth = named("william", birth_date=dt.date(1990, 1, 2))
    assert merge_profiles(william, other_birth) is None
    shop_a = Profile(ids={"shop_customer": frozenset({"1"})})
    shop_b = Profile(ids={"shop_customer": frozenset({"2"})})
    assert merge_profiles(shop_a, shop_b) is None
    assert merge_profiles(shop_a, Profile(ids={"stripe_customer": frozenset({"cus_1"})}))


def test_chained_nicknames_cannot_join_incompatible_names() -> None:
    """Christopher ~ Chris ~ Christine: the cluster keeps the intersection of the keys."""
    keys = merge_profiles(named("chris"), named("christopher"))
    assert keys is not None
    assert merge_profiles(keys, named("christine")) is None


def test_a_nickname_bridge_needs_a_used_name_and_the_family_name() -> None:
    assert merge_profiles(named("mandy"), named("randy")) is None  # only `miranda` joins them
    assert merge_profiles(
        named("bill", last_names=frozenset({"hart"})),
        named("william", last_names=frozenset({"hart"})),
    )
    # Kris and Tina may both be a Kristina, but not with different family names
    assert (
        merge_profiles(
            named("kris", last_names=frozenset({"obrien"})),
            named("kristina", last_names=frozenset({"simmons"})),
        )
        is None
    )
    # a changed family name is fine when the given name is the same
    assert merge_profiles(
        named("anna", last_names=frozenset({"lee"})), named("anna", last_names=frozenset({"park"}))
    )
    # an initial (Zendesk social users) fits the family name
    assert merge_profiles(
        named("bill", last_names=frozenset({"h"})), named("william", last_names=frozenset({"hart"}))
    )


def test_shared_family_email_stays_with_its_owner() -> None:
    """John registered thesmiths@ for himself; Mary's CRM contact also lists it. Mary is not
    John, and the nameless newsletter profile on that address is John's."""
    recs = records(
        dict(
            system="shop",
            id="1",
            first_name="John",
            last_name="Smith",
            email="thesmiths@gmail.com",
            shop_customer_id="1",
            observed_at="2025-03-01",
        ),
        dict(
            system="shop",
            id="2",
            first_name="Mary",
            last_name="Smith",
            email="mary.smith@yahoo.com",
            shop_customer_id="2",
            observed_at="2025-02-01",
        ),
        dict(
            system="crm",
            id="003M",
            first_name="Mary",
            last_name="Smith",
            email="The.Smiths@gmail.com",
            salesforce_contact_id="003M",
            shop_customer_id="2",
            observed_at="2024-01-01",
        ),
        dict(
            system="marketing", id="K1", email="thesmiths+news@gmail.com", observed_at="2025-06-01"
        ),
    )
    ids = customers(resolve(recs, config=DETERMINISTIC).records)
    assert same(ids, "1", "K1")
    assert same(ids, "2", "003M")
    assert not same(ids, "1", "2")


def test_shared_landline_links_only_matching_names() -> None:
    recs = records(
        dict(
            system="crm",
            id="003A",
            first_name="Ann",
            last_name="Lee",
            phone="(212) 555-0199",
            observed_at="2024-01-01",
            salesforce_contact_id="003A",
        ),
        dict(
            system="crm",
            id="003B",
            first_name="Bob",
            last_name="Lee",
            phone="212.555.0199",
            observed_at="2024-02-01",
            salesforce_contact_id="003B",
        ),
        dict(
            system="support",
            id="9",
            first_name="Bob",
            last_name="Lee",
            phone="+12125550199",
            observed_at="2024-03-01",
            zendesk_user_id="9",
        ),
    )
    ids = customers(resolve(recs, config=DETERMINISTIC).records)
    assert same(ids, "003B", "9")
    assert not same(ids, "003A", "003B")


def test_nameless_record_joins_the_only_named_holder_of_a_staff_typed_value() -> None:
    """A call from a number known only from one CRM contact is that contact's; known from two
    people's contacts (a household landline), it is nobody's in particular."""
    recs = records(
        dict(
            system="crm",
            id="003A",
            first_name="Ann",
            last_name="Lee",
            phone="2125550199",
            observed_at="2024-01-01",
            salesforce_contact_id="003A",
        ),
        dict(system="contact_center", id="c1", phone="+12125550199", observed_at="2025-05-01"),
        dict(
            system="crm",
            id="003B",
            first_name="Bob",
            last_name="Park",
            phone="6465550100",
            observed_at="2024-01-01",
            salesforce_contact_id="003B",
        ),
        dict(
            system="crm",
            id="003C",
            first_name="Eve",
            last_name="Park",
            phone="6465550100",
            observed_at="2024-02-01",
            salesforce_contact_id="003C",
        ),
        dict(system="contact_center", id="c2", phone="+16465550100", observed_at="2025-05-01"),
        dict(system="contact_center", id="c3", phone="+16465550100", observed_at="2025-06-01"),
    )
    ids = customers(resolve(recs, config=DETERMINISTIC).records)
    assert same(ids, "003A", "c1")
    assert not same(ids, "003B", "c2") and not same(ids, "003C", "c2")
    assert same(ids, "c2", "c3")  # the household's calls still belong together


def test_nameless_record_on_a_family_address_joins_the_member_who_used_it_first() -> None:
    """A family address known from two members' CRM contacts: a newsletter profile created after
    both is the first user's (who registered it); one created before any of them may be another
    member's and stays apart."""
    recs = records(
        dict(
            system="crm",
            id="003B",
            first_name="Bob",
            last_name="Park",
            email="theparks@mail.com",
            observed_at="2024-01-01",
            salesforce_contact_id="003B",
        ),
        dict(
            system="crm",
            id="003C",
            first_name="Kim",
            last_name="Park",
            email="theparks@mail.com",
            observed_at="2024-02-01",
            salesforce_contact_id="003C",
        ),
        dict(system="marketing", id="K1", email="theparks@mail.com", observed_at="2025-05-01"),
        dict(
            system="crm",
            id="003D",
            first_name="Dan",
            last_name="Ross",
            email="therosss@mail.com",
            observed_at="2024-03-01",
            salesforce_contact_id="003D",
        ),
        dict(
            system="crm",
            id="003E",
            first_name="Amy",
            last_name="Ross",
            email="therosss@mail.com",
            observed_at="2024-04-01",
            salesforce_contact_id="003E",
        ),
        dict(system="marketing", id="K2", email="therosss@mail.com", observed_at="2023-05-01"),
    )
    ids = customers(resolve(recs, config=DETERMINISTIC).records)
    assert same(ids, "003B", "K1") and not same(ids, "003C", "K1")
    assert not same(ids, "003B", "003C")  # the household stays two people
    assert not same(ids, "003D", "K2") and not same(ids, "003E", "K2")


def test_nameless_record_joins_a_staff_typed_value_from_the_same_session_or_named_address() -> None:
    recs = records(
        dict(
            system="crm",
            id="003A",
            first_name="Ann",
            last_name="Lee",
            email="ann.lee@mail.com",
            observed_at="2024-01-01 10:00",
            salesforce_contact_id="003A",
        ),
        dict(system="marketing", id="K1", email="ann.lee@mail.com", observed_at="2025-01-01"),
        dict(
            system="billing",
            id="cus_1",
            first_name="Bo",
            last_name="Kim",
            email="kims@mail.com",
            observed_at="2024-01-01 10:00",
            stripe_customer_id="cus_1",
        ),
        dict(system="marketing", id="K2", email="kims@mail.com", observed_at="2024-01-01 10:20"),
        dict(system="marketing", id="K3", email="kims@mail.com", observed_at="2025-03-01"),
        dict(system="marketing", id="K4", email="thepoes@mail.com", observed_at="2024-01-01"),
        dict(
            system="crm",
            id="003P",
            first_name="Al",
            last_name="Poe",
            email="thepoes@mail.com",
            observed_at="2024-06-01",
            salesforce_contact_id="003P",
        ),
    )
    ids = customers(resolve(recs, config=DETERMINISTIC).records)
    assert same(ids, "003A", "K1")  # the address spells Ann's name
    assert same(ids, "cus_1", "K2")  # signed up minutes after the checkout
    # a family address ("kims@") goes to its only named holder if they used it first ...
    assert same(ids, "cus_1", "K3")
    # ... but not when the nameless sign-up came first: another member may have registered it
    assert not same(ids, "003P", "K4")


def test_typo_in_a_same_session_sign_up_is_forgiven() -> None:
    recs = records(
        dict(
            system="shop",
            id="1",
            first_name="John",
            last_name="Baker",
            email="john.baker@mail.com",
            shop_customer_id="1",
            observed_at="2025-01-09 17:14",
        ),
        dict(
            system="marketing", id="K1", email="jhon.baker@mail.com", observed_at="2025-01-09 17:19"
        ),
        dict(
            system="marketing", id="K2", email="jhon.baker@mail.com", observed_at="2025-03-09 17:19"
        ),
    )
    out = resolve(recs, config=DETERMINISTIC).records
    ids = customers(out)
    assert same(ids, "1", "K1")
    methods = dict(zip(out["source_record_id"], out["match_method"], strict=True))
    assert methods["K1"] == "email_typo_same_session"


def test_namesakes_are_not_merged() -> None:
    recs = records(
        dict(
            system="shop",
            id="1",
            first_name="James",
            last_name="Smith",
            email="james.smith@gmail.com",
            phone="+12125550101",
            shop_customer_id="1",
            observed_at="2025-01-01",
        ),
        dict(
            system="shop",
            id="2",
            first_name="James",
            last_name="Smith",
            email="jsmith77@yahoo.com",
            phone="+13125550102",
            shop_customer_id="2",
            observed_at="2025-01-02",
        ),
        dict(
            system="crm",
            id="003",
            first_name="James",
            last_name="Smith",
            postal_code="10001",
            salesforce_contact_id="003",
            observed_at="2025-01-03",
        ),
    )
    ids = customers(resolve(recs, config=DETERMINISTIC).records)
    assert len(set(ids.values())) == 3


def test_two_shop_accounts_never_merge_through_a_shared_value() -> None:
    recs = records(
        dict(
            system="shop",
            id="1",
            first_name="Sam",
            last_name="Ray",
            email="ray@mail.com",
            shop_customer_id="1",
            observed_at="2025-01-01",
        ),
        dict(
            system="shop",
            id="2",
            first_name="Sam",
            last_name="Ray",
            email="ray@mail.com",
            shop_customer_id="2",
            observed_at="2025-01-02",
        ),
    )
    ids = customers(resolve(recs, config=DETERMINISTIC).records)
    assert not same(ids, "1", "2")


def test_explicit_ids_link_unconditionally_and_name_the_rule() -> None:
    recs = records(
        dict(
            system="shop",
            id="7",
            first_name="Liz",
            last_name="Hart",
            shop_customer_id="7",
            observed_at="2025-01-01",
        ),
        dict(
            system="crm",
            id="0035g00000AbCdEAAZ",
            first_name="Elizabeth",
            last_name="Hart",
            salesforce_contact_id="0035g00000AbCdEAAZ",
            shop_customer_id="7",
            observed_at="2025-01-02",
        ),
        dict(
            system="surveys",
            id="R_1",
            salesforce_contact_id="0035g00000AbCdEAAZ",
            observed_at="2025-02-01",
        ),
        dict(system="digital", id="dev-1", shop_customer_id="7", observed_at="2024-12-01"),
        dict(
            system="billing",
            id="cus_9",
            first_name="Liz",
            last_name="Hart",
            stripe_customer_id="cus_9",
            order_shop_customer_id="7",
            observed_at="2025-01-05",
        ),
    )
    out = resolve(recs, config=DETERMINISTIC).records
    assert out["customer_id"].nunique() == 1
    methods = dict(zip(out["source_record_id"], out["match_method"], strict=True))
    assert methods == {
        "7": "shop_customer_id",
        "0035g00000AbCdEAAZ": "shop_customer_id",
        "R_1": "salesforce_contact_id",
        "dev-1": "shop_customer_id",
        "cus_9": "order_shop_customer_id",
    }
    assert set(out["match_probability"]) == {1.0}
