#!/usr/bin/env python3
# Vendored from the workspace's shared/tools/contract_check.py (only the contract path in the
# docstring changed): the independent validator of the input contract (docs/extracts.md), so
# that tests and users of a clone run it without the workspace. Excluded from ruff (own style).
"""Contract validator for Touchpoint data-extract landing folders.

    python contract_check.py LANDING_DIR [--max-defect-rate 0.05] [--jobs N]

Checks a landing folder against the input contract (docs/extracts.md in this repository):

* layout  <landing>/<system>/<entity>/<YYYY-MM-DD>[.partNN].<ext>[.gz] for the 8 systems /
  15 entities; gzip is detected by magic bytes; unknown folders and stray files FAIL; days
  without a file, part gaps and hidden entries WARN;
* reading CSV with the csv module (quotes, embedded newlines; an unbalanced quote costs only its
  own line, parsing re-syncs on the next line), JSONL line by line; malformed records (CSV
  parse errors, wrong field counts, invalid JSON, NaN/Infinity, non-object lines, non-UTF-8
  bytes) are counted;
* fields of well-formed records: presence (a null-valued JSONL key may be absent), types, time
  formats per system, enums, nesting and a few cross-field rules;
* a file missing a required column (JSONL: a non-null key absent from every row where it is
  required) would be rejected by ingestion: WARN naming file and column; FAIL for more than 2
  such files in one entity;
* defect rates per entity: a single check (or malformed kind) failing on more than
  --max-defect-rate of the entity's records FAILs, else it WARNs with a file:line example; so
  does malformed + failing records (one defective record alone never FAILs, so that tiny
  entities such as support/groups are not failed by chance).  Additive drift (extra
  columns/keys) WARNs; a few soft observations are WARN-only notes.

Prints `PASS|WARN|FAIL <subject> <message>` lines and ends with `N passed, M failed` (PASS and
FAIL lines are counted, WARN lines are informational).  Exit status 0 only if M == 0.
Standard library only (Python 3.11); files are streamed and checked by --jobs worker processes
(big uncompressed JSONL files are split into byte ranges).
"""
import argparse
import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import sys
from collections import Counter, defaultdict

MISSING = object()          # a JSON key that is absent
MAX_REJECTED_FILES = 2      # per entity; more FAILs
CSV_MAX_RECORD_LINES = 100  # a quoted field may span at most this many physical lines
SPLIT_BYTES = 48 << 20      # plain JSONL files above ~1.5x this are split into ranges
BATCH_BYTES = 8 << 20       # small files are batched into tasks of about this size

# ====================================================================== time helpers
EPOCH = dt.date(1970, 1, 1)
_DATE = r'\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])'
_TIME = r'(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d'
UNIX_LO, UNIX_HI = 946684800, 4102444800                # 2000-01-01 .. 2100-01-01
US_LO, US_HI = UNIX_LO * 1_000_000, UNIX_HI * 1_000_000

_valid_date_cache = {}


def valid_date(s):
    """'YYYY-MM-DD' (or 'YYYYMMDD') is a real calendar date."""
    ok = _valid_date_cache.get(s)
    if ok is None:
        try:
            dt.date.fromisoformat(s)
            ok = True
        except ValueError:
            ok = False
        _valid_date_cache[s] = ok
    return ok


_dst_cache = {}


def dst_bounds(year):
    """UTC epoch seconds when America/New_York daylight time starts and ends (US rules since 2007:
    second Sunday of March 02:00 EST = 07:00 UTC, first Sunday of November 02:00 EDT = 06:00 UTC)."""
    b = _dst_cache.get(year)
    if b is None:
        d = dt.date(year, 3, 1)
        start_day = d + dt.timedelta(days=(6 - d.weekday()) % 7 + 7)
        d = dt.date(year, 11, 1)
        end_day = d + dt.timedelta(days=(6 - d.weekday()) % 7)
        b = ((start_day - EPOCH).days * 86400 + 7 * 3600, (end_day - EPOCH).days * 86400 + 6 * 3600,
             start_day.isoformat())
        _dst_cache[year] = b
    return b


_ny_off_cache = {}


def ny_offset_hour(h):
    """UTC offset in seconds of America/New_York during UTC epoch hour h (changes on whole hours)."""
    off = _ny_off_cache.get(h)
    if off is None:
        sec = h * 3600
        year = (EPOCH + dt.timedelta(days=sec // 86400)).year
        start, end, _ = dst_bounds(year)
        off = -14400 if start <= sec < end else -18000
        _ny_off_cache[h] = off
    return off


_shop_off_cache = {}


def shop_offset_ok(s):
    """The offset of a matched ISO timestamp is America/New_York's at that instant."""
    key = s[:13] + s[-6:]
    ok = _shop_off_cache.get(key)
    if ok is None:
        days = (dt.date(int(s[:4]), int(s[5:7]), int(s[8:10])) - EPOCH).days
        o = s[-6:]
        off = (int(o[1:3]) * 3600 + int(o[4:6]) * 60) * (1 if o[0] == '+' else -1)
        utc = days * 86400 + int(s[11:13]) * 3600 - off
        ok = ny_offset_hour(utc // 3600) == off
        _shop_off_cache[key] = ok
    return ok


_gap_cache = {}


def local_in_dst_gap(s):
    """'YYYY-MM-DD HH:MM:SS' falls in the skipped hour of the spring DST change in New York."""
    key = s[:13]
    g = _gap_cache.get(key)
    if g is None:
        g = s[11:13] == '02' and dst_bounds(int(s[:4]))[2] == s[:10]
        _gap_cache[key] = g
    return g


_day_str = {}


def ny_date_of_us(us):
    """YYYYMMDD of the America/New_York date of an epoch-microsecond timestamp."""
    sec = us // 1_000_000
    d = (sec + ny_offset_hour(sec // 3600)) // 86400
    s = _day_str.get(d)
    if s is None:
        s = (EPOCH + dt.timedelta(days=d)).strftime('%Y%m%d')
        _day_str[d] = s
    return s


def _zkey(s):
    return s[:19], (float('0' + s[19:-1]) if len(s) > 20 else 0.0)


# ====================================================================== checker DSL
# A "maker" is called with the field path and returns a checker: checker(value) -> None when
# the value is fine, else (label, offending value).  Labels read "<path>: <what is wrong>".
_DRIFT = set()   # nested keys not in the contract seen in the current file (worker-local)


def T(types, desc):
    types = tuple(types)

    def make(path):
        label = f'{path}: {desc}'
        if len(types) == 1:
            t0 = types[0]

            def chk(v):
                if type(v) is t0:
                    return None
                return label, v
        else:
            def chk(v):
                if type(v) in types:
                    return None
                return label, v
        return chk
    make.spec = ('T', types)
    return make


STR = T([str], 'not a string')
INT = T([int], 'not an integer')
BOOL = T([bool], 'not a JSON boolean')
NUM = T([int, float], 'not a number')
SCALAR = T([str, int, float, bool], 'not a string/number/boolean')


def ENUM(*values, desc=None):
    allowed = frozenset(values)
    desc = desc or 'not one of ' + '/'.join(values)

    def make(path):
        label = f'{path}: {desc}'

        def chk(v):
            if type(v) is str and v in allowed:
                return None
            return label, v
        return chk
    make.spec = ('ENUM', allowed)
    return make


def RE(pattern, desc, post=None):
    """String fully matching pattern; post(v) -> None, or a description of a further problem."""
    match = re.compile(pattern).fullmatch

    def make(path):
        label = f'{path}: {desc}'
        labels = {}

        def chk(v):
            if type(v) is not str or match(v) is None:
                return label, v
            if post is not None:
                d = post(v)
                if d is not None:
                    lab = labels.get(d)
                    if lab is None:
                        lab = labels[d] = f'{path}: {d}'
                    return lab, v
            return None
        return chk
    make.spec = ('RE', match, post)
    return make


def _real_date(s):
    return None if valid_date(s[:10]) else 'not a real date'


def INTR(lo, hi, desc):
    """JSON integer (not bool) with lo <= v < hi (None = unbounded)."""
    def make(path):
        label = f'{path}: {desc}'

        def chk(v):
            if type(v) is int and (lo is None or v >= lo) and (hi is None or v < hi):
                return None
            return label, v
        return chk
    make.spec = ('INTR', lo, hi)
    return make


def OBJ(fields, posts=(), open_keys=False):
    """JSON object with fields [(name, maker or None, nullable)]; a nullable key may be absent.
    posts: [(desc, fn(obj) -> bool)] further rules on the whole object."""
    def make(path):
        comp = [(n, m(f'{path}.{n}') if m else None, nul, f'{path}.{n}: missing', f'{path}.{n}: null')
                for n, m, nul in fields]
        names = frozenset(n for n, _, _ in fields)
        pcomp = [(f'{path}: {d}', fn) for d, fn in posts]
        label = f'{path}: not a JSON object'

        def chk(v):
            if type(v) is not dict:
                return label, v
            for n, c, nul, ml, nl in comp:
                x = v.get(n, MISSING)
                if x is None:
                    if nul:
                        continue
                    return nl, None
                if x is MISSING:
                    if nul:
                        continue
                    return ml, MISSING
                if c is not None:
                    e = c(x)
                    if e is not None:
                        return e
            for pl, fn in pcomp:
                if not fn(v):
                    return pl, v
            if not open_keys and not (v.keys() <= names):
                _DRIFT.update(f'{path}.{k}' for k in v.keys() - names)
            return None
        return chk
    make.spec = ('OBJ', fields, posts, open_keys)
    return make


def LIST(item):
    def make(path):
        ic = item(f'{path}[]') if item else None
        label = f'{path}: not a JSON list'

        def chk(v):
            if type(v) is not list:
                return label, v
            if ic is not None:
                for x in v:
                    e = ic(x)
                    if e is not None:
                        return e
            return None
        return chk
    make.spec = ('LIST', item)
    return make


# --- fast path: every entity's checks are also compiled into one generated Python function that
# only answers "is this record entirely fine?"; the closures above run only for records that are
# not, to name what is wrong.  (Same rules; about 3x faster on clean data.)
class _Gen:
    def __init__(self):
        self.ns = {}
        self.lines = []
        self.n = 0

    def const(self, value):
        self.n += 1
        name = f'_k{self.n}'
        self.ns[name] = value
        return name

    def var(self):
        self.n += 1
        return f'_v{self.n}'

    def emit(self, ind, text):
        self.lines.append('    ' * ind + text)


def _gen_value(g, mk, var, ind):
    kind = mk.spec[0]
    if kind == 'T':
        types = mk.spec[1]
        if len(types) == 1:
            g.emit(ind, f'if type({var}) is not {g.const(types[0])}: return False')
        else:
            g.emit(ind, f'if type({var}) not in {g.const(frozenset(types))}: return False')
    elif kind == 'ENUM':
        g.emit(ind, f'if type({var}) is not str or {var} not in {g.const(mk.spec[1])}: return False')
    elif kind == 'RE':
        _, match, post = mk.spec
        g.emit(ind, f'if type({var}) is not str or {g.const(match)}({var}) is None: return False')
        if post is not None:
            g.emit(ind, f'if {g.const(post)}({var}) is not None: return False')
    elif kind == 'INTR':
        _, lo, hi = mk.spec
        cond = [f'type({var}) is not int']
        if lo is not None:
            cond.append(f'{var} < {lo!r}')
        if hi is not None:
            cond.append(f'{var} >= {hi!r}')
        g.emit(ind, f'if {" or ".join(cond)}: return False')
    elif kind == 'OBJ':
        _, fields, posts, open_keys = mk.spec
        g.emit(ind, f'if type({var}) is not dict: return False')
        _gen_fields(g, fields, var, ind)
        for _, fn in posts:
            g.emit(ind, f'if not {g.const(fn)}({var}): return False')
        if not open_keys:
            g.emit(ind, f'if not ({var}.keys() <= {g.const(frozenset(n for n, _, _ in fields))}): return False')
    elif kind == 'LIST':
        g.emit(ind, f'if type({var}) is not list: return False')
        item = mk.spec[1]
        if item is not None:
            y = g.var()
            g.emit(ind, f'for {y} in {var}:')
            _gen_value(g, item, y, ind + 1)
    else:
        raise ValueError(kind)


def _gen_fields(g, fields, var, ind):
    for name, mk, nullable in fields:
        x = g.var()
        g.emit(ind, f'{x} = {var}.get({name!r})')
        if nullable:
            if mk is not None:
                g.emit(ind, f'if {x} is not None:')
                _gen_value(g, mk, x, ind + 1)
        elif mk is None:
            g.emit(ind, f'if {x} is None: return False')
        else:
            _gen_value(g, mk, x, ind)   # every check also rejects None (absent or null)


def gen_record_fast(fields, rules, variant_key=None):
    g = _Gen()
    g.emit(0, 'def fast(r):')
    if variant_key:
        g.emit(1, f'if r.get({variant_key!r}) is True: return False')
    _gen_fields(g, fields, 'r', 1)     # (top-level extra keys are drift: scan_jsonl notes them)
    for rule in rules:
        g.emit(1, f'if {g.const(rule)}(r) is not None: return False')
    g.emit(1, 'return True')
    exec(compile('\n'.join(g.lines) + '\n', '<contract fast path>', 'exec'), g.ns)
    return g.ns['fast']



# --- formats
SHOP_TS = RE(rf'{_DATE}T{_TIME}(?:\.\d{{1,6}})?[+-](?:[01]\d|2[0-3]):[0-5]\d',
             'not ISO 8601 with offset (2026-03-01T10:15:00-05:00)',
             post=lambda s: _real_date(s) or (None if shop_offset_ok(s) else
                                             "offset is not America/New_York's at that time"))
Z_TS = RE(rf'{_DATE}T{_TIME}(?:\.\d{{1,9}})?Z', 'not ISO 8601 UTC with Z (2026-03-01T15:15:00Z)', post=_real_date)
_z_match = re.compile(rf'{_DATE}T{_TIME}(?:\.\d{{1,9}})?Z').fullmatch
SF_TS = RE(rf'{_DATE}T{_TIME}\.\d{{3}}\+0000', 'not 2026-01-05T14:03:11.000+0000', post=_real_date)
LOCAL_TS = RE(rf'{_DATE} {_TIME}', 'not YYYY-MM-DD HH:MM:SS',
              post=lambda s: _real_date(s) or (
                  'does not exist in America/New_York (skipped DST hour)' if local_in_dst_gap(s) else None))
DATE = RE(_DATE, 'not YYYY-MM-DD', post=_real_date)
GA4_DATE = RE(r'\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])', 'not YYYYMMDD',
              post=lambda s: None if valid_date(s) else 'not a real date')
UNIX = INTR(UNIX_LO, UNIX_HI, 'not integer Unix seconds')
MICROS = INTR(US_LO, US_HI, 'not integer microseconds since epoch')
ID = INTR(0, None, 'not a non-negative integer id')
COUNT = INTR(0, None, 'not a non-negative integer')
POS_INT = INTR(1, None, 'not a positive integer')
CENTS_POS = INTR(1, None, 'not a positive integer amount (cents)')
CENTS = INTR(0, None, 'not a non-negative integer amount (cents)')
DECIMAL = RE(r'\d+(?:\.\d+)?', 'not a non-negative decimal string')
DIGITS = RE(r'\d+', 'not a string of digits')
E164 = RE(r'\+[1-9]\d{6,14}', 'not E.164 (+12125550147)')
UUID = RE(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', 'not a UUID')
SFID18 = RE(r'003[A-Za-z0-9]{15}', 'not an 18-char Salesforce Contact id (003...)')
SFID15_18 = RE(r'003[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?', 'not a 15- or 18-char Salesforce Contact id (003...)')
TRUE_FALSE = ENUM('true', 'false')


def STRVALUES(desc='a value is not a string'):
    return desc, lambda o: all(type(x) is str for x in o.values())


# ====================================================================== the contract
CHANNELS = ('email', 'web', 'chat', 'voice', 'mobile', 'twitter', 'facebook', 'api')
GA4_EVENT_NAMES = frozenset([
    'session_start', 'page_view', 'screen_view', 'view_item', 'add_to_cart', 'begin_checkout',
    'purchase', 'login', 'sign_up', 'search', 'view_help_article', 'contact_us_click'])


def f(name, maker, nullable=False):
    return name, maker, nullable


def _child_event_ok(o):
    et = o.get('event_type')
    if et in ('Create', 'Change'):
        return type(o.get('field_name')) is str
    if et == 'Comment':
        return type(o.get('public')) is bool
    return True


# --- cross-field rules: rule(record) -> None or (label, value)
def r_pos_location(r):
    if r.get('source_name') == 'pos' and r.get('location_id') is None:
        return 'location_id: missing/null on a pos order', r.get('location_id', MISSING)


def r_refunded_le_amount(r):
    a, ar = r.get('amount'), r.get('amount_refunded')
    if type(a) is int and type(ar) is int and 0 < a < ar:
        return 'amount_refunded: greater than amount', f'{ar} > {a}'


def r_transfer_previous(r):
    if r.get('InitiationMethod') == 'TRANSFER' and not r.get('PreviousContactId'):
        return 'PreviousContactId: missing/null on a TRANSFER contact', r.get('PreviousContactId', MISSING)


def r_disconnect_after_initiation(r):
    a, b = r.get('InitiationTimestamp'), r.get('DisconnectTimestamp')
    if type(a) is str and type(b) is str and _z_match(a) and _z_match(b) and _zkey(b) < _zkey(a):
        return 'DisconnectTimestamp: before InitiationTimestamp', f'{b} < {a}'


def r_endpoint_fits_channel(r):
    ce, ch = r.get('CustomerEndpoint'), r.get('Channel')
    if type(ce) is dict:
        t = ce.get('Type')
        if (ch == 'VOICE' and t != 'TELEPHONE_NUMBER') or (ch == 'CHAT' and t != 'EMAIL_ADDRESS'):
            return ('CustomerEndpoint.Type: does not fit Channel (VOICE: TELEPHONE_NUMBER, '
                    'CHAT: EMAIL_ADDRESS or null endpoint)'), f'{ch} / {t}'


def r_ga_session_id(r):
    ps = r.get('event_params')
    if type(ps) is not list:
        return None
    for p in ps:
        if type(p) is dict and p.get('key') == 'ga_session_id':
            v = p.get('value')
            if type(v) is dict and type(v.get('int_value')) is int:
                return None
            return 'event_params.ga_session_id: not an int_value', v
    return 'event_params.ga_session_id: missing', MISSING


def r_purchase_ecommerce(r):
    if r.get('event_name') == 'purchase':
        e = r.get('ecommerce', MISSING)
        if type(e) is not dict or e.get('transaction_id') is None or e.get('purchase_revenue') is None:
            return 'ecommerce: missing/null (or without transaction_id/purchase_revenue) on a purchase event', e


def r_event_date_ny(r):
    d, us = r.get('event_date'), r.get('event_timestamp')
    if type(us) is int and type(d) is str and len(d) == 8 and US_LO <= us < US_HI and ny_date_of_us(us) != d:
        return 'event_date: not the America/New_York date of event_timestamp', f'{d} vs {us}'


def n_event_name(r):
    n = r.get('event_name')
    if type(n) is str and n not in GA4_EVENT_NAMES:
        return 'note: event_name not in the contract list (the list is open-ended)', n


ENTITIES = {}   # (system, entity) -> spec dict, in contract order


def jsonl(system, entity, fields, rules=(), notes=(), variant=None):
    ENTITIES[(system, entity)] = dict(fmt='jsonl', ext='jsonl', fields=fields, rules=list(rules),
                                      notes=list(notes), variant=variant)


def csvent(system, entity, columns, checks, header_rows=1, bom_ok=False):
    """columns: the contract header; checks: {column: (maker or None, empty_allowed)}."""
    ENTITIES[(system, entity)] = dict(fmt='csv', ext='csv', columns=columns, checks=checks,
                                      header_rows=header_rows, bom_ok=bom_ok)


csvent('crm', 'contacts',
       ['Id', 'FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'MailingStreet', 'MailingCity',
        'MailingState', 'MailingPostalCode', 'MailingCountry', 'Birthdate', 'HasOptedOutOfEmail',
        'LoyaltyTier__c', 'Shop_Customer_Id__c', 'CreatedDate', 'LastModifiedDate', 'IsDeleted'],
       {'Id': (SFID18, False),
        'Birthdate': (DATE, True),
        'HasOptedOutOfEmail': (TRUE_FALSE, False),
        'LoyaltyTier__c': (ENUM('Bronze', 'Silver', 'Gold', 'Platinum',
                                desc='not one of Bronze/Silver/Gold/Platinum or empty'), True),
        'Shop_Customer_Id__c': (DIGITS, True),
        'CreatedDate': (SF_TS, False),
        'LastModifiedDate': (SF_TS, False),
        'IsDeleted': (TRUE_FALSE, False)},
       bom_ok=True)

jsonl('shop', 'customers', [
    f('id', ID), f('email', STR, True), f('first_name', STR, True), f('last_name', STR, True),
    f('phone', E164, True), f('created_at', SHOP_TS), f('updated_at', SHOP_TS),
    f('state', ENUM('enabled', 'disabled', 'invited')), f('verified_email', BOOL), f('tags', STR),
    f('email_marketing_consent', OBJ([f('state', ENUM('subscribed', 'unsubscribed', 'not_subscribed')),
                                      f('consent_updated_at', SHOP_TS, True)])),
    f('default_address', OBJ([f('address1', STR, True), f('city', STR, True), f('province_code', STR, True),
                              f('zip', STR, True), f('country_code', STR, True), f('phone', STR, True)]), True)])

jsonl('shop', 'orders', [
    f('id', ID), f('name', RE(r'#\d+', 'not an order name like #1001')), f('email', STR, True),
    f('phone', STR, True), f('created_at', SHOP_TS), f('updated_at', SHOP_TS), f('processed_at', SHOP_TS),
    f('cancelled_at', SHOP_TS, True), f('cancel_reason', STR, True), f('currency', ENUM('USD')),
    f('total_price', DECIMAL), f('subtotal_price', DECIMAL), f('total_discounts', DECIMAL), f('total_tax', DECIMAL),
    f('financial_status', ENUM('paid', 'pending', 'refunded', 'partially_refunded', 'voided')),
    f('fulfillment_status', ENUM('fulfilled', 'partial', desc='not one of fulfilled/partial/null'), True),
    f('source_name', ENUM('web', 'pos', 'iphone', 'android')), f('location_id', ID, True),
    f('customer', OBJ([f('id', ID), f('email', STR, True)]), True),
    f('line_items', LIST(OBJ([f('id', ID), f('product_id', ID, True), f('sku', STR, True), f('title', STR),
                              f('quantity', POS_INT), f('price', DECIMAL)]))),
    f('fulfillments', LIST(OBJ([f('id', ID), f('created_at', SHOP_TS), f('updated_at', SHOP_TS),
                                f('status', STR),
                                f('shipment_status', ENUM('confirmed', 'in_transit', 'out_for_delivery',
                                                          'delivered', 'failure'), True)])))],
    rules=[r_pos_location])

jsonl('shop', 'products', [
    f('id', ID), f('title', STR), f('product_type', STR), f('vendor', STR), f('created_at', SHOP_TS),
    f('updated_at', SHOP_TS), f('published_at', SHOP_TS, True), f('status', ENUM('active', 'archived', 'draft')),
    f('variants', LIST(OBJ([f('id', ID), f('sku', STR, True), f('price', DECIMAL), f('title', STR)])))])

_CUS_ID = RE(r'cus_[A-Za-z0-9]+', 'not a Stripe customer id (cus_...)')
_CH_ID = RE(r'ch_[A-Za-z0-9]+', 'not a Stripe charge id (ch_...)')
_BILLING_CUSTOMER_DELETED = [f('id', _CUS_ID), f('object', ENUM('customer')), f('deleted', BOOL)]
jsonl('billing', 'customers', [
    f('id', _CUS_ID), f('object', ENUM('customer')), f('email', STR, True), f('name', STR, True),
    f('phone', STR, True), f('created', UNIX),
    f('address', OBJ([f('postal_code', STR, True), f('country', STR, True)]), True),
    f('metadata', OBJ([f('shop_customer_id', DIGITS, True)], posts=[STRVALUES()], open_keys=True)),
    f('deleted', BOOL, True)],
    variant='deleted')   # a deletion record {"id", "object", "deleted": true} carries nothing else

jsonl('billing', 'charges', [
    f('id', _CH_ID), f('object', ENUM('charge')), f('amount', CENTS_POS), f('amount_refunded', CENTS),
    f('currency', ENUM('usd')), f('created', UNIX), f('customer', _CUS_ID, True),
    f('status', ENUM('succeeded', 'failed', 'pending')), f('failure_code', STR, True), f('paid', BOOL),
    f('refunded', BOOL),
    f('billing_details', OBJ([f('email', STR, True), f('name', STR, True), f('phone', STR, True),
                              f('address', OBJ([f('postal_code', STR, True)]), True)])),
    f('payment_method_details', OBJ([f('type', ENUM('card')),
                                     f('card', OBJ([f('brand', STR), f('last4', RE(r'\d{4}', 'not 4 digits'))]))])),
    f('metadata', OBJ([f('order_id', DIGITS, True)], posts=[STRVALUES()], open_keys=True))],
    rules=[r_refunded_le_amount])

jsonl('billing', 'refunds', [
    f('id', RE(r're_[A-Za-z0-9]+', 'not a Stripe refund id (re_...)')), f('object', ENUM('refund')),
    f('amount', CENTS_POS), f('charge', _CH_ID), f('created', UNIX), f('currency', ENUM('usd')),
    f('reason', ENUM('requested_by_customer', 'duplicate', 'fraudulent',
                     desc='not one of requested_by_customer/duplicate/fraudulent/null'), True),
    f('status', ENUM('pending', 'succeeded', 'failed')),
    f('metadata', OBJ([f('ticket_id', DIGITS, True)], posts=[STRVALUES()], open_keys=True))])

jsonl('support', 'users', [
    f('id', ID), f('name', STR), f('email', STR, True), f('phone', STR, True),
    f('role', ENUM('end-user', 'agent', 'admin')), f('external_id', SFID18, True), f('created_at', Z_TS),
    f('updated_at', Z_TS), f('time_zone', STR)])

jsonl('support', 'groups', [f('id', ID), f('name', STR), f('created_at', Z_TS), f('updated_at', Z_TS)])

jsonl('support', 'tickets', [
    f('id', ID), f('created_at', Z_TS), f('updated_at', Z_TS), f('type', STR, True), f('subject', STR, True),
    f('status', ENUM('new', 'open', 'pending', 'hold', 'solved', 'closed')), f('priority', STR, True),
    f('requester_id', ID), f('submitter_id', ID, True), f('assignee_id', ID, True), f('group_id', ID, True),
    f('via', OBJ([f('channel', ENUM(*CHANNELS))])), f('tags', LIST(STR)),
    f('satisfaction_rating', OBJ([f('score', ENUM('unoffered', 'offered', 'good', 'bad')),
                                  f('comment', STR, True)])),
    f('custom_fields', LIST(OBJ([f('id', ID), f('value', SCALAR, True)])))])

jsonl('support', 'ticket_events', [
    f('id', ID), f('ticket_id', ID), f('created_at', Z_TS), f('updater_id', INT, True),
    f('via', ENUM(*CHANNELS, 'rule')), f('event_type', ENUM('Audit')),
    f('child_events', LIST(OBJ([f('id', ID), f('event_type', ENUM('Create', 'Change', 'Comment')),
                                f('field_name', STR, True), f('value', SCALAR, True),
                                f('previous_value', SCALAR, True), f('public', BOOL, True),
                                f('author_id', ID, True)],
                               posts=[('Create/Change without field_name, or Comment without public',
                                       _child_event_ok)])))])

jsonl('contact_center', 'contacts', [
    f('ContactId', UUID), f('InitialContactId', UUID), f('PreviousContactId', UUID, True),
    f('NextContactId', UUID, True), f('Channel', ENUM('VOICE', 'CHAT')),
    f('InitiationMethod', ENUM('INBOUND', 'OUTBOUND', 'TRANSFER', 'CALLBACK', 'API')),
    f('InitiationTimestamp', Z_TS), f('ConnectedToSystemTimestamp', Z_TS, True), f('DisconnectTimestamp', Z_TS),
    f('DisconnectReason', STR, True),
    f('CustomerEndpoint', OBJ([f('Type', ENUM('TELEPHONE_NUMBER', 'EMAIL_ADDRESS')), f('Address', STR)]), True),
    f('Queue', OBJ([f('Name', STR), f('EnqueueTimestamp', Z_TS), f('DequeueTimestamp', Z_TS, True),
                    f('Duration', COUNT)]), True),
    f('Agent', OBJ([f('Username', STR), f('ConnectedToAgentTimestamp', Z_TS),
                    f('AgentInteractionDuration', COUNT), f('CustomerHoldDuration', COUNT),
                    f('NumberOfHolds', COUNT), f('LongestHoldDuration', COUNT),
                    f('AfterContactWorkDuration', COUNT)]), True),
    f('Attributes', OBJ([f('intent', ENUM('order_status', 'refund', 'product_help', 'billing', 'account', 'other'), True),
                         f('authenticated', TRUE_FALSE, True), f('auth_attempts', DIGITS, True),
                         f('shop_customer_id', STR, True), f('zendesk_ticket_id', STR, True)],
                        posts=[STRVALUES('an attribute value is not a string')]))],
    rules=[r_transfer_previous, r_disconnect_after_initiation, r_endpoint_fits_channel])

jsonl('digital', 'events', [
    f('event_date', GA4_DATE), f('event_timestamp', MICROS), f('event_name', STR),
    f('event_params', LIST(OBJ([f('key', STR),
                                f('value', OBJ([f('string_value', STR, True), f('int_value', INT, True),
                                                f('double_value', NUM, True)]))]))),
    f('user_id', DIGITS, True), f('user_pseudo_id', STR), f('platform', ENUM('WEB', 'IOS', 'ANDROID')),
    f('device', OBJ([f('category', STR, True), f('operating_system', STR, True)])),
    f('geo', OBJ([f('country', STR, True), f('region', STR, True)])),
    f('traffic_source', OBJ([f('source', STR, True), f('medium', STR, True), f('name', STR, True)])),
    f('ecommerce', OBJ([f('transaction_id', RE(r'#\d+', 'not a Shopify order name like #1001'), True),
                        f('purchase_revenue', NUM, True)]), True),
    f('items', LIST(OBJ([f('item_id', STR), f('price', NUM), f('quantity', INT)])), True)],
    rules=[r_ga_session_id, r_purchase_ecommerce, r_event_date_ny], notes=[n_event_name])

csvent('marketing', 'email_events',
       ['Event ID', 'Profile ID', 'Email', 'Event', 'Timestamp', 'Campaign ID', 'Campaign Name', 'Subject'],
       {'Event ID': (None, False), 'Profile ID': (None, False),
        'Event': (ENUM('Received Email', 'Opened Email', 'Clicked Email', 'Unsubscribed', 'Bounced Email',
                       'Marked Email as Spam', desc='not a contract Event name'), False),
        'Timestamp': (LOCAL_TS, False)})


def _intstr(lo, hi, desc):
    return RE(r'\d{1,6}', desc, post=lambda s: None if lo <= int(s) <= hi else desc)


csvent('surveys', 'responses',
       ['StartDate', 'EndDate', 'Status', 'Progress', 'Duration (in seconds)', 'Finished', 'RecordedDate',
        'ResponseId', 'RecipientEmail', 'ExternalReference', 'DistributionChannel', 'UserLanguage',
        'Q1', 'Q2', 'Q3', 'Q4', 'trigger', 'ticket_id', 'order_id'],
       {'StartDate': (LOCAL_TS, False), 'EndDate': (LOCAL_TS, False), 'RecordedDate': (LOCAL_TS, False),
        'Status': (ENUM('IP Address', 'Survey Preview'), False),
        'Progress': (_intstr(0, 100, 'not an integer 0-100'), False),
        'Duration (in seconds)': (RE(r'\d+', 'not a non-negative integer'), False),
        'Finished': (ENUM('True', 'False'), False),
        'ResponseId': (RE(r'R_[A-Za-z0-9]+', 'not a response id (R_...)'), False),
        'ExternalReference': (SFID15_18, True),
        'DistributionChannel': (ENUM('email', 'anonymous', 'sms'), False),
        'Q1': (_intstr(0, 10, 'not 0-10 or empty'), True),
        'Q2': (_intstr(1, 5, 'not 1-5 or empty'), True),
        'Q3': (_intstr(1, 7, 'not 1-7 or empty'), True),
        'trigger': (ENUM('ticket_solved', 'order_delivered', 'relationship',
                         desc='not one of ticket_solved/order_delivered/relationship or empty'), True),
        'ticket_id': (DIGITS, True), 'order_id': (DIGITS, True)},
       header_rows=3)

SYSTEM_ORDER = []
for _s, _e in ENTITIES:
    if _s not in SYSTEM_ORDER:
        SYSTEM_ORDER.append(_s)


def _compile_fields(fields):
    return [(n, m(n) if m else None, nul, f'{n}: missing', f'{n}: null') for n, m, nul in fields]


_COMPILED = {}


def compiled(key):
    c = _COMPILED.get(key)
    if c is None:
        spec = ENTITIES[key]
        c = dict(spec)
        if spec['fmt'] == 'jsonl':
            c['cfields'] = _compile_fields(spec['fields'])
            c['fast'] = gen_record_fast(spec['fields'], spec['rules'], spec['variant'])
            c['allowed'] = frozenset(n for n, _, _ in spec['fields'])
            if spec['variant'] == 'deleted':
                vf = _BILLING_CUSTOMER_DELETED
                c['vfields'] = _compile_fields(vf)
                c['vrequired'] = frozenset(n for n, _, nul in vf if not nul)
        else:
            c['cchecks'] = {col: (m(col) if m else None, empty_ok) for col, (m, empty_ok) in spec['checks'].items()}
        _COMPILED[key] = c
    return c


# ====================================================================== reading one file
class _NaNError(ValueError):
    pass


def _reject_constant(name):
    raise _NaNError(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_DECODE = _DECODER.decode
_SCAN_ONCE = _DECODER.scan_once


def _short(text, n=70):
    return text if len(text) <= n else text[:n] + '...'


def vrepr(v):
    if v is MISSING:
        return '(absent)'
    if type(v) is str:
        return repr(_short(v))
    return _short(repr(v))


class Scan:
    """Counters of one file (or one byte range of a file)."""

    def __init__(self):
        self.records = 0      # records seen, malformed ones included
        self.blank = 0
        self.dups = 0
        self.nlines = 0
        self.mal = {}         # kind -> [count, line, text, detail]
        self.sigs = Counter()  # tuple of failing labels -> records
        self.ex = {}          # label -> (line, value repr)
        self.notes = {}       # label -> [count, line, value repr]
        self.miss = Counter()  # top-level required key -> records where absent
        self.nmain = 0
        self.nvar = 0
        self.seen = None

    def malformed(self, kind, line, text, detail=''):
        m = self.mal.get(kind)
        if m is None:
            self.mal[kind] = [1, line, vrepr(text.rstrip('\r\n') if isinstance(text, str) else text), detail]
        else:
            m[0] += 1


def check_record(r, spec, miss=None):
    """The slow, explaining path: failing (label, value) pairs of a JSON object (or None), the
    record's top-level keys missing where required are counted in miss; nested drift goes to
    _DRIFT (top-level drift is noted by the caller)."""
    flist = spec['cfields']
    variant = False
    if 'vfields' in spec and r.get('deleted') is True:
        flist = spec['vfields']
        variant = True
    fl = []
    for name, chk, nullable, mlabel, nlabel in flist:
        v = r.get(name, MISSING)
        if v is None:
            if not nullable:
                fl.append((nlabel, None))
        elif v is MISSING:
            if not nullable:
                if miss is not None:
                    miss[name] += 1
                fl.append((mlabel, MISSING))
        elif chk is not None:
            e = chk(v)
            if e is not None:
                fl.append(e)
    for rule in spec['rules']:
        e = rule(r)
        if e is not None:
            fl.append(e)
    return fl or None, variant


def _note(sc, notes, r, lineno):
    for note in notes:
        e = note(r)
        if e is not None:
            n = sc.notes.get(e[0])
            if n is None:
                sc.notes[e[0]] = [1, lineno, vrepr(e[1])]
            else:
                n[0] += 1


def scan_jsonl(fh, key, sc, keep_seen, res_warn):
    spec = compiled(key)
    notes = spec['notes']
    decode = _DECODE
    scan_once = _SCAN_ONCE
    fast = spec['fast']
    allowed = spec['allowed']
    drift = _DRIFT
    seen = set()
    seen_add = seen.add
    sigs, ex, miss = sc.sigs, sc.ex, sc.miss
    records = dups = blank = nmain = nvar = 0
    lineno = 0
    for lineno, raw in enumerate(fh, 1):
        try:
            s = raw.decode('utf-8')
        except UnicodeDecodeError as e:
            records += 1
            sc.malformed('not UTF-8', lineno, raw.decode('utf-8', 'replace'), f'byte {e.start}')
            continue
        if len(s) <= 2 and not s.strip():
            blank += 1
            continue
        if lineno == 1 and s.startswith('\ufeff'):
            s = s[1:]
            res_warn.append('starts with a UTF-8 byte-order mark (the contract allows it only in crm)')
        records += 1
        h = hash(s)
        if h in seen:
            dups += 1
        else:
            seen_add(h)
        try:
            r, end = scan_once(s, 0)
            if end != len(s) and not s[end:].isspace():
                raise ValueError('extra data')
        except (StopIteration, ValueError, RecursionError):
            try:    # again with the full decoder, for the exact message
                r = decode(s.rstrip('\r\n'))
            except _NaNError as e:
                sc.malformed('NaN/Infinity, not valid JSON', lineno, s, str(e))
                continue
            except (ValueError, RecursionError) as e:
                sc.malformed('invalid JSON', lineno, s,
                             f'{e.msg} (char {e.pos})' if isinstance(e, json.JSONDecodeError) else str(e))
                continue
        if type(r) is not dict:
            sc.malformed('not a JSON object', lineno, s)
            continue
        if not (r.keys() <= allowed):
            drift.update(r.keys() - allowed)
        if notes:
            _note(sc, notes, r, lineno)
        if fast(r):
            nmain += 1
            continue
        fl, variant = check_record(r, spec, miss)
        if variant:
            nvar += 1
        else:
            nmain += 1
        if fl is not None:
            sigs[tuple(sorted({lab for lab, _ in fl}))] += 1
            for lab, v in fl:
                if lab not in ex:
                    ex[lab] = (lineno, vrepr(v))
    sc.records += records
    sc.dups += dups
    sc.blank += blank
    sc.nmain += nmain
    sc.nvar += nvar
    sc.nlines = lineno
    if keep_seen:
        sc.seen = seen


class _Lines:
    """Physical lines of a CSV file for csv.reader, with push-back so that parsing can re-sync on
    the line after a bad one.  An iterator object (not a generator): it may report the end of the
    input and then resume with pushed-back lines.  consumed lists the (lineno, text, bad_utf8)
    lines handed out for the record being parsed."""
    SENTINEL = '"\x00\n'   # in a quoted field this forces a csv.Error (strict mode)

    def __init__(self, fh, bom_ok, fwarn):
        self.it = iter(fh)
        self.pending = []
        self.consumed = []
        self.n = 0
        self.bom_ok = bom_ok
        self.fwarn = fwarn

    def __iter__(self):
        return self

    def __next__(self):
        if self.pending:
            item = self.pending.pop()
        else:
            raw = next(self.it, None)
            if raw is None:
                raise StopIteration
            self.n += 1
            try:
                text = raw.decode('utf-8')
                bad = False
            except UnicodeDecodeError:
                text = raw.decode('utf-8', 'replace')
                bad = True
            if self.n == 1 and text.startswith('\ufeff'):
                text = text[1:]
                if not self.bom_ok:
                    self.fwarn.append('starts with a UTF-8 byte-order mark (the contract allows it only in crm)')
            item = (self.n, text, bad)
        consumed = self.consumed
        if len(consumed) >= CSV_MAX_RECORD_LINES:   # a quoted field ran too long: give up on it
            self.pending.append(item)
            consumed.append(None)
            return self.SENTINEL
        consumed.append(item)
        return item[1]


def scan_csv(fh, key, sc, res):
    spec = compiled(key)
    nhdr = spec['header_rows']
    lines = _Lines(fh, spec['bom_ok'], res['fwarn'])
    pending, consumed = lines.pending, lines.consumed
    reader = csv.reader(lines, strict=True)
    hdr = []
    expect = None
    cols = None
    seen = set()
    sigs, ex = sc.sigs, sc.ex
    records = dups = blank = 0
    while True:
        consumed.clear()
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            first = consumed[0]
            pending.extend(reversed([c for c in consumed[1:] if c is not None]))
            if len(hdr) < nhdr:
                res['rejected'].append(f'header row {len(hdr) + 1} cannot be parsed ({e})')
                hdr.append(None)
                if len(hdr) == nhdr:
                    expect = -1
                continue
            records += 1
            sc.malformed('CSV parse error', first[0], first[1], str(e))
            continue
        first = consumed[0]
        if not row:
            blank += 1
            continue
        if len(hdr) < nhdr:
            hdr.append(row)
            if len(hdr) == nhdr:
                expect, cols = _csv_header(hdr, spec, res)
            continue
        if expect < 0:          # unparseable header: the file is rejected, rows are not checked
            continue
        if nhdr == 3 and records == 0 and row and _import_id_row(row):
            res['rejected'].append('more than 3 header rows (row 4 is {"ImportId": ...} JSON too)')
            continue
        records += 1
        if len(row) != expect:
            if len(consumed) > 1:   # re-sync: only the first line is lost
                pending.extend(reversed(consumed[1:]))
            sc.malformed('wrong field count', first[0], first[1], f'{len(row)} fields, header has {expect}')
            continue
        if len(consumed) == 1:
            if first[2]:
                sc.malformed('not UTF-8', first[0], first[1])
                continue
            h = hash(first[1])
        else:
            if any(c[2] for c in consumed):
                sc.malformed('not UTF-8', first[0], first[1])
                continue
            h = hash(''.join(c[1] for c in consumed))
        if h in seen:
            dups += 1
        else:
            seen.add(h)
        fl = None
        for idx, chk, empty_ok, elabel in cols:
            v = row[idx]
            if not v:
                if empty_ok:
                    continue
                e = (elabel, v)
            elif chk is None:
                continue
            else:
                e = chk(v)
                if e is None:
                    continue
            if fl is None:
                fl = [e]
            else:
                fl.append(e)
        if fl is not None:
            sigs[tuple(sorted({lab for lab, _ in fl}))] += 1
            for lab, v in fl:
                if lab not in ex:
                    ex[lab] = (first[0], vrepr(v))
    if 0 < len(hdr) < nhdr:
        res['rejected'].append(f'fewer than {nhdr} header rows')
    if lines.n == 0:
        res['fwarn'].append('zero bytes: a CSV file should at least have its header row')
    sc.records += records
    sc.dups += dups
    sc.blank += blank
    sc.nlines = lines.n


def _import_id_row(row, first_bad=False):
    """Every cell is a JSON object with an ImportId (Qualtrics header row 3).  With first_bad,
    returns the first cell that is not (None if all are)."""
    for cell in row:
        try:
            o = json.loads(cell)
        except ValueError:
            o = None
        if type(o) is not dict or 'ImportId' not in o:
            return cell if first_bad else False
    return None if first_bad else True


def _csv_header(hdr, spec, res):
    """Check the header row(s); returns (expected field count, column checks)."""
    if hdr[0] is None:
        return -1, []
    names = hdr[0]
    expect = len(names)
    if spec['header_rows'] == 3:
        if hdr[1] is not None and len(hdr[1]) != expect:
            res['rejected'].append(f'header row 2 has {len(hdr[1])} fields, row 1 has {expect}')
        if hdr[2] is not None:
            bad = _import_id_row(hdr[2], first_bad=True)
            if bad is not None:
                res['rejected'].append(f'header row 3 is not {{"ImportId": ...}} JSON (e.g. {vrepr(bad)})')
            elif len(hdr[2]) != expect:
                res['rejected'].append(f'header row 3 has {len(hdr[2])} fields, row 1 has {expect}')
    index = {}
    for i, n in enumerate(names):
        index.setdefault(n, i)
    if len(index) != len(names):
        res['fwarn'].append('duplicate column names in the header')
    missing = [c for c in spec['columns'] if c not in index]
    if len(missing) * 2 > len(spec['columns']):
        res['rejected'].append(f'header row does not look like the contract header '
                               f'({len(missing)} of {len(spec["columns"])} columns missing, e.g. {missing[0]})')
    else:
        for c in missing:
            res['rejected'].append(f'missing required column {c}')
        known = set(spec['columns'])
        for n in names:
            if n not in known:
                res['drift'].add(n)
    cols = []
    for c, (chk, empty_ok) in spec['cchecks'].items():
        if c in index:
            cols.append((index[c], chk, empty_ok, f'{c}: empty'))
    return expect, cols


def process_file(task):
    """Worker: scan one file or byte range.  Returns a plain dict (picklable)."""
    root, rel, key, start, end, chunk, keep_seen = task
    path = os.path.join(root, rel)
    spec = ENTITIES[key]
    res = dict(rel=rel, key=key, chunk=chunk, gzip=False, error=None, fwarn=[], rejected=[],
               drift=set(), scan=None)
    sc = Scan()
    _DRIFT.clear()
    try:
        with open(path, 'rb') as raw:
            if start is not None:
                raw.seek(start)
                fh = io.BytesIO(raw.read(end - start))
            else:
                magic = raw.read(2)
                raw.seek(0)
                is_gz = magic == b'\x1f\x8b'
                named_gz = rel.endswith('.gz')
                if named_gz and not is_gz:
                    res['error'] = 'named .gz but not gzip data'
                    return res
                if is_gz and not named_gz:
                    res['fwarn'].append('gzip data without a .gz suffix (read anyway)')
                res['gzip'] = is_gz
                fh = gzip.GzipFile(fileobj=raw, mode='rb') if is_gz else raw
            if spec['fmt'] == 'jsonl':
                scan_jsonl(fh, key, sc, keep_seen, res['fwarn'])
            else:
                scan_csv(fh, key, sc, res)
    except Exception as e:     # truncated/corrupt gzip (EOFError, zlib.error, ...), I/O errors
        res['error'] = f'read error after {sc.records} records: {type(e).__name__}: {e}'
    res['drift'] |= _DRIFT
    if sc.blank:
        res['fwarn'].append('blank lines (skipped)')
    res['scan'] = sc.__dict__
    return res


def process_batch(batch):
    return [process_file(t) for t in batch]


# ====================================================================== layout
NAME_RE = re.compile(r'(\d{4}-\d{2}-\d{2})(?:\.part(\d+))?\.([A-Za-z0-9_]+)(\.gz)?')


def scan_layout(root, out):
    """Returns {key: [(rel, date, part, gz)]} for well-named files; emits layout findings."""
    files = {k: [] for k in ENTITIES}
    problems = []
    hidden = []
    present = {k: False for k in ENTITIES}
    for sname in sorted(os.listdir(root)):
        sp = os.path.join(root, sname)
        if sname.startswith('.'):
            hidden.append(sname)
            continue
        if not os.path.isdir(sp):
            problems.append(f'unexpected file at the landing root: {sname}')
            continue
        if sname not in SYSTEM_ORDER:
            hint = ' (is LANDING_DIR its parent? pass the landing folder itself)' if sname == 'landing' else ''
            problems.append(f'unknown system folder: {sname}/{hint}')
            continue
        for ename in sorted(os.listdir(sp)):
            ep = os.path.join(sp, ename)
            if ename.startswith('.'):
                hidden.append(f'{sname}/{ename}')
                continue
            if not os.path.isdir(ep):
                problems.append(f'unexpected file in a system folder: {sname}/{ename}')
                continue
            key = (sname, ename)
            if key not in ENTITIES:
                problems.append(f'unknown entity folder: {sname}/{ename}/')
                continue
            present[key] = True
            ext = ENTITIES[key]['ext']
            for fname in sorted(os.listdir(ep)):
                rel = f'{sname}/{ename}/{fname}'
                if fname.startswith('.'):
                    hidden.append(rel)
                    continue
                if os.path.isdir(os.path.join(ep, fname)):
                    problems.append(f'unexpected folder: {rel}/')
                    continue
                m = NAME_RE.fullmatch(fname)
                if not m or (m.group(2) is not None and len(m.group(2)) < 2):
                    problems.append(f'file name does not match <YYYY-MM-DD>[.partNN].<ext>[.gz]: {rel}')
                    continue
                if not valid_date(m.group(1)):
                    problems.append(f'file name has no real date: {rel}')
                    continue
                if m.group(3) != ext:
                    problems.append(f'extension .{m.group(3)} is not the entity format .{ext}: {rel}')
                    continue
                files[key].append((rel, m.group(1), int(m.group(2)) if m.group(2) else None, bool(m.group(4))))
    for h in hidden:
        out.add('WARN', 'layout', f'ignored hidden entry {h}')
    for p in problems:
        out.add('FAIL', 'layout', p)
    if not problems:
        out.add('PASS', 'layout', 'no unknown folders or files; every file name matches '
                                  '<YYYY-MM-DD>[.partNN].<ext>[.gz] with the right extension')
    all_dates = sorted({d for fl in files.values() for _, d, _, _ in fl})
    span = []
    if all_dates:
        d0, d1 = dt.date.fromisoformat(all_dates[0]), dt.date.fromisoformat(all_dates[-1])
        span = [(d0 + dt.timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]
    for key, fl in files.items():
        subj = 'layout'
        name = '/'.join(key)
        if not fl:
            out.add('FAIL', subj, f'{name}: no files' + ('' if present[key] else ' (folder missing)'))
            continue
        dates = sorted({d for _, d, _, _ in fl})
        out.add('PASS', subj, f'{name}: {len(fl)} files, {len(dates)} delivery dates {dates[0]}..{dates[-1]}')
        have = set(dates)
        missing = [d for d in span if d not in have]
        if missing:
            ex = ', '.join(missing[:5]) + (' ...' if len(missing) > 5 else '')
            out.add('WARN', subj, f'{name}: no file for {len(missing)} of {len(span)} days in '
                                  f'{span[0]}..{span[-1]} ({ex})')
        by_date = defaultdict(list)
        for rel, d, part, gz in fl:
            by_date[d].append((part, gz, rel))
        for d in dates:
            items = by_date[d]
            parts = sorted(p for p, _, _ in items if p is not None)
            plain = [x for x in items if x[0] is None]
            if parts and plain:
                out.add('WARN', subj, f'{name}: {d} delivered both whole and in parts (rows would be loaded twice)')
            if parts and parts != list(range(1, len(parts) + 1)):
                out.add('WARN', subj, f'{name}: {d} parts are not numbered 01..NN: {parts}')
            stems = Counter(p for p, _, _ in items)
            for p, n in stems.items():
                if n > 1:
                    what = d if p is None else f'{d}.part{p:02d}'
                    out.add('WARN', subj, f'{name}: {what} delivered both plain and gzipped (rows would be loaded twice)')
    return files


# ====================================================================== output
class Out:
    def __init__(self):
        self.passed = self.failed = 0

    def add(self, level, subject, msg):
        if level == 'PASS':
            self.passed += 1
        elif level == 'FAIL':
            self.failed += 1
        print(f'{level} {subject} {msg}', flush=False)


def _merge_chunks(parts):
    """Merge the results of the byte ranges of one file, in order, fixing line numbers."""
    parts.sort(key=lambda r: r['chunk'])
    base = parts[0]
    sc = base['scan']
    offset = sc['nlines']
    seen_total = len(sc['seen'] or ())
    union = set(sc['seen'] or ())
    for p in parts[1:]:
        s2 = p['scan']
        for k in ('records', 'blank', 'dups', 'nmain', 'nvar'):
            sc[k] += s2[k]
        for kind, (c, line, text, detail) in s2['mal'].items():
            m = sc['mal'].get(kind)
            if m is None:
                sc['mal'][kind] = [c, line + offset, text, detail]
            else:
                m[0] += c
        sc['sigs'].update(s2['sigs'])
        for lab, (line, v) in s2['ex'].items():
            if lab not in sc['ex']:
                sc['ex'][lab] = (line + offset, v)
        for lab, (c, line, v) in s2['notes'].items():
            n = sc['notes'].get(lab)
            if n is None:
                sc['notes'][lab] = [c, line + offset, v]
            else:
                n[0] += c
        sc['miss'].update(s2['miss'])
        base['drift'] |= p['drift']
        base['fwarn'] = sorted(set(base['fwarn']) | set(p['fwarn']))
        if p['error'] and not base['error']:
            base['error'] = p['error']
        seen_total += len(s2['seen'] or ())
        union |= s2['seen'] or set()
        offset += s2['nlines']
    sc['dups'] += seen_total - len(union)
    sc['seen'] = None
    return base


def report_entity(key, results, out, max_rate):
    subj = '/'.join(key)
    spec = compiled(key)
    nfiles = len(results)
    records = dups = ngz = nempty = failing = malformed = 0
    mal = {}
    checks = {}
    notes = {}
    fwarn = defaultdict(list)
    rejected = []
    drift = defaultdict(list)
    errors = []
    for res in sorted(results, key=lambda r: r['rel']):
        name = os.path.basename(res['rel'])
        if res['error']:
            errors.append((name, res['error']))
        ngz += res['gzip']
        nempty += bool(res['scan'] and res['scan']['records'] == 0 and not res['error'])
        for w in res['fwarn']:
            fwarn[w].append(name)
        for d in res['drift']:
            drift[d].append(name)
        sc = res['scan']
        if sc is None:
            continue
        records += sc['records']
        dups += sc['dups']
        reasons = list(res['rejected'])
        removed = set()
        if spec['fmt'] == 'jsonl':
            vreq = spec.get('vrequired', frozenset())
            for k, n in sc['miss'].items():
                need = sc['nmain'] + (sc['nvar'] if k in vreq else 0)
                if need and n == need:
                    reasons.append(f'missing required key {k}')
                    removed.add(f'{k}: missing')
        if reasons:
            rejected.append((name, reasons))
        for kind, (c, line, text, detail) in sc['mal'].items():
            malformed += c
            m = mal.get(kind)
            if m is None:
                mal[kind] = [c, f'{name}:{line}' + (f' [{detail}]' if detail else '') + f' {text}']
            else:
                m[0] += c
        for sig, c in sc['sigs'].items():
            kept = [lab for lab in sig if lab not in removed]
            if kept:
                failing += c
            for lab in kept:
                ch = checks.get(lab)
                if ch is None:
                    line, v = sc['ex'][lab]
                    checks[lab] = [c, f'{name}:{line} {v}']
                else:
                    ch[0] += c
        for lab, (c, line, v) in sc['notes'].items():
            n = notes.get(lab)
            if n is None:
                notes[lab] = [c, f'{name}:{line} {v}']
            else:
                n[0] += c
    # ---- read
    for name, err in errors:
        out.add('FAIL', subj, f'file {name}: {err}')
    if not errors:
        out.add('PASS', subj, f'read {nfiles} files ({ngz} gzip, {nempty} empty): {records} records, '
                              f'{dups} exact duplicate lines within files')
    for w, names in sorted(fwarn.items()):
        out.add('WARN', subj, f'{len(names)} file(s) {w}: ' + ', '.join(names[:5])
                + (f' (+{len(names) - 5} more)' if len(names) > 5 else ''))
    # ---- rejected files
    for name, reasons in rejected[:5]:
        out.add('WARN', subj, f'file {name} would be rejected: ' + '; '.join(reasons))
    if len(rejected) > 5:
        out.add('WARN', subj, f'... and {len(rejected) - 5} more rejected files')
    why = Counter(re.sub(r' \(e\.g\. .*\)$', '', r) for _, rs in rejected for r in rs)
    why_s = ('; ' + ', '.join(f'{r} in {n}' for r, n in why.most_common())) if why else ''
    out.add('FAIL' if len(rejected) > MAX_REJECTED_FILES else 'PASS', subj,
            f'required columns/header: {len(rejected)} of {nfiles} files rejected '
            f'(allowed: at most {MAX_REJECTED_FILES}){why_s}')
    # ---- drift
    kind = 'column' if spec['fmt'] == 'csv' else 'key'
    drifts = sorted(drift.items(), key=lambda x: (x[1][0], x[0]))
    for d, names in drifts[:20]:
        out.add('WARN', subj, f"schema drift: {kind} '{d}' not in the contract, in {len(names)} of {nfiles} files "
                              f'(first {names[0].split(".")[0]})')
    if len(drifts) > 20:
        out.add('WARN', subj, f'schema drift: ... and {len(drifts) - 20} more {kind}s not in the contract')
    # ---- per check rates
    denom = max(records, 1)

    def too_many(c):   # above the rate; a single defective record alone never FAILs (tiny entities)
        return c / denom > max_rate and c > 1

    def rate_line(label, c, example):
        out.add('FAIL' if too_many(c) else 'WARN', subj,
                f'{label}: {c} records ({100 * c / denom:.2f}%), e.g. {example}')

    for kind_, (c, example) in sorted(mal.items(), key=lambda x: (-x[1][0], x[0])):
        rate_line(f'malformed record ({kind_})', c, example)
    for lab, (c, example) in sorted(checks.items(), key=lambda x: (-x[1][0], x[0])):
        rate_line(lab, c, example)
    for lab, (c, example) in sorted(notes.items(), key=lambda x: (-x[1][0], x[0])):
        out.add('WARN', subj, f'{lab}: {c} times, e.g. {example}')
    share = (malformed + failing) / denom
    out.add('FAIL' if too_many(malformed + failing) else 'PASS', subj,
            f'defect share: ({malformed} malformed + {failing} failing) / {records} records = '
            f'{100 * share:.2f}% (max {100 * max_rate:.2f}%)')


# ====================================================================== main
def plan_tasks(root, files, jobs):
    """Tasks (root, rel, key, start, end, chunk, keep_seen), big files split, batched small ones."""
    tasks = []
    for key, fl in files.items():
        for rel, _, _, _ in fl:
            path = os.path.join(root, rel)
            try:
                size = os.path.getsize(path)
                with open(path, 'rb') as fh:
                    is_gz = fh.read(2) == b'\x1f\x8b'
            except OSError:
                size, is_gz = 0, False
            weight = size * (6 if is_gz else 1)
            if (jobs > 1 and not is_gz and not rel.endswith('.gz') and ENTITIES[key]['fmt'] == 'jsonl'
                    and size > SPLIT_BYTES * 3 // 2):
                bounds = [0]
                with open(path, 'rb') as fh:
                    pos = SPLIT_BYTES
                    while pos < size:
                        fh.seek(pos)
                        fh.readline()
                        b = fh.tell()
                        if b >= size:
                            break
                        if b > bounds[-1]:
                            bounds.append(b)
                        pos = b + SPLIT_BYTES
                bounds.append(size)
                for i in range(len(bounds) - 1):
                    tasks.append((bounds[i + 1] - bounds[i], [(root, rel, key, bounds[i], bounds[i + 1], i, True)]))
            else:
                tasks.append((weight, [(root, rel, key, None, None, 0, False)]))
    tasks.sort(key=lambda t: -t[0])
    batches, small, acc = [], [], 0
    for w, t in tasks:
        if w >= BATCH_BYTES:
            batches.append(t)
        else:
            small.extend(t)
            acc += w
            if acc >= BATCH_BYTES or len(small) >= 64:
                batches.append(small)
                small, acc = [], 0
    if small:
        batches.append(small)
    return batches


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('landing', help='landing folder: <landing>/<system>/<entity>/<YYYY-MM-DD>[.partNN].<ext>[.gz]')
    ap.add_argument('--max-defect-rate', type=float, default=0.05,
                    help='largest share of an entity\'s records that may fail one check (default 0.05)')
    try:
        ncpu = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        ncpu = os.cpu_count() or 1
    ap.add_argument('--jobs', type=int, default=ncpu, help=f'worker processes (default: usable CPUs, here {ncpu})')
    a = ap.parse_args(argv)
    max_rate = a.max_defect_rate
    if max_rate > 1:          # given as a percentage
        max_rate /= 100.0
    jobs = max(1, a.jobs)
    out = Out()
    root = a.landing
    if not os.path.isdir(root):
        out.add('FAIL', 'layout', f'landing folder not found: {root}')
        print(f'{out.passed} passed, {out.failed} failed')
        return 1
    files = scan_layout(root, out)
    sys.stdout.flush()
    batches = plan_tasks(root, files, jobs)
    results = []
    if jobs == 1 or len(batches) <= 1:
        for b in batches:
            results.extend(process_batch(b))
    else:
        import multiprocessing as mp
        try:
            ctx = mp.get_context('fork')
        except ValueError:
            ctx = mp.get_context()
        with ctx.Pool(min(jobs, len(batches))) as pool:
            for rs in pool.imap_unordered(process_batch, batches, chunksize=1):
                results.extend(rs)
    by_file = defaultdict(list)
    for r in results:
        by_file[r['rel']].append(r)
    per_entity = defaultdict(list)
    for rel, parts in by_file.items():
        r = _merge_chunks(parts) if len(parts) > 1 else parts[0]
        per_entity[r['key']].append(r)
    for key in ENTITIES:
        if files.get(key):
            report_entity(key, per_entity.get(key, []), out, max_rate)
    print(f'{out.passed} passed, {out.failed} failed')
    sys.stdout.flush()
    return 0 if out.failed == 0 else 1


if __name__ == '__main__':
    try:
        sys.exit(main())
    except BrokenPipeError:       # e.g. piped into head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
