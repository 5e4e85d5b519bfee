"""Whatever arrives at the public endpoints, the visitor gets a page, never a 500.

Hypothesis sends the subscribe endpoint any field values (unicode, control
characters, strings up to 100 kB), missing fields, wrong ``page_id``/``form_id``
types and forged ``rendered_at`` values, and the confirm URL any token. A 500 would
surface here as the view's exception (the test client re-raises it).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.test import Client, TestCase
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers.links import confirm_path
from tests.helpers.rate_limits import clear_rate_limits
from tests.helpers.subscribing import SUBSCRIBE_PATH, make_visitor, signed_timestamp, subscribe
from wagtail_gdpr_mail.models import Contact, PurposeAssignment
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
SUBSCRIBE = SUBSCRIBE_PATH
MISSING = object()

# Text of every kind: any code point (no surrogates), control characters, and huge.
any_text = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.text(
        st.sampled_from("\x00\r\n\t\x0b\x0c\x1b\x7f\x85\u2028\u202e\ufeff%/<>&\"'"), max_size=30
    ),
    st.builds(
        lambda chunk, times: (chunk * times)[:100_000],
        st.text(min_size=1, max_size=8),
        st.integers(1_000, 100_000),
    ),
)


def maybe(strategy):
    """The field, or no field at all."""
    return st.one_of(st.just(MISSING), strategy)


def snapshot() -> tuple[int, int, int, int]:
    return (
        PendingSignup.objects.count(),
        Contact.objects.count(),
        PurposeAssignment.objects.count(),
        len(mail.outbox),
    )


def post(client: Client, data: dict):
    data = {k: v for k, v in data.items() if v is not MISSING}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(SUBSCRIBE, data)


@pytest.fixture
def fresh_limits():
    """Between examples: no rate-limit counts left over."""
    return clear_rate_limits


@FUZZ
@given(
    page_id=maybe(st.one_of(any_text, st.integers().map(str), st.just("real"))),
    form_id=maybe(st.one_of(any_text, st.just("real"))),
    rendered_at=maybe(
        st.one_of(
            any_text,
            st.floats(allow_nan=True).map(repr),
            st.floats(allow_nan=True).map(lambda f: f"{f!r}:forged-signature"),
        )
    ),
    email=maybe(st.one_of(any_text, st.emails())),
    first_name=maybe(any_text),
    last_name=maybe(any_text),
    website=maybe(any_text),
    extra=st.dictionaries(any_text.filter(lambda k: 0 < len(k) < 50), any_text, max_size=3),
)
def test_subscribe_never_fails_and_stores_nothing_when_forged(
    subscription_page,
    fresh_limits,
    page_id,
    form_id,
    rendered_at,
    email,
    first_name,
    last_name,
    website,
    extra,
):
    """A forged or missing ``rendered_at`` can never get anything stored, whatever else."""
    fresh_limits()
    sp = subscription_page
    data = {
        **extra,
        "page_id": str(sp.page.pk) if page_id == "real" else page_id,
        "form_id": sp.form_id if form_id == "real" else form_id,
        "rendered_at": rendered_at,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "website": website,
    }
    before = snapshot()
    response = post(Client(REMOTE_ADDR="198.51.100.7"), data)
    assert response.status_code in {302, 400, 404, 429}
    assert snapshot() == before


def _valid_email(value) -> bool:
    if not isinstance(value, str) or len(value.strip()) > 254 or "\x00" in value:
        return False
    try:
        validate_email(value.strip())
    except ValidationError:
        return False
    return True


@FUZZ
@given(
    email=maybe(st.one_of(any_text, st.emails())),
    first_name=maybe(any_text),
    last_name=maybe(any_text),
    website=maybe(st.one_of(st.just(""), any_text)),
    tick=st.sampled_from([MISSING, "on", "", "off", "0", "\x00", "x" * 5000]),
)
def test_genuine_forms_with_any_input_store_only_what_is_valid(
    subscription_page, fresh_limits, settings, email, first_name, last_name, website, tick
):
    """The form is genuine (real page, form and timestamp); the typed values are not."""
    fresh_limits()
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0
    settings.WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES = 0
    sp = subscription_page
    data = {
        "page_id": str(sp.page.pk),
        "form_id": sp.form_id,
        "rendered_at": signed_timestamp(60),
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "website": website,
        f"purpose_{sp.extra.pk}": tick,
    }
    before = snapshot()
    response = post(Client(REMOTE_ADDR="198.51.100.7"), data)
    assert response.status_code in {302, 400, 429}
    pending, contacts, assignments, sent = snapshot()
    assert (contacts, assignments) == before[1:3]  # never a contact before confirmation
    names_ok = all(
        v is MISSING or (len(v.strip()) <= 100 and "\x00" not in v) for v in (first_name, last_name)
    )
    honeypot_empty = website is MISSING or not website.strip()
    valid = _valid_email(email) and names_ok and honeypot_empty
    event(f"status {response.status_code}, stored: {pending > before[0]}")
    if pending > before[0]:
        assert valid and response.status_code == 302
        signup = PendingSignup.objects.latest("pk")
        assert signup.email == email.strip()
        # Whatever was typed into the name, the mail went out.
        assert sent == before[3] + 1, f"mail status {signup.mail_status}"
    else:
        assert sent == before[3]
        if response.status_code == 302:  # bot or limit: the same answer, nothing kept
            assert response["Location"] == f"/?subscribed={sp.form_id}#form-{sp.form_id}"
    if not _valid_email(email):
        assert response.status_code in {400, 429}


@FUZZ
@given(token=st.one_of(any_text, st.text(alphabet="/%?#.", max_size=10), st.just("")))
def test_any_confirm_token_gets_a_page_and_changes_nothing(subscription_page, settings, token):
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0
    if not PendingSignup.objects.exists():  # one real signup waits for confirmation
        sp = subscription_page
        subscribe(make_visitor(), sp.url, sp.form_id, email="real.person@example.com")
    real_path = confirm_path(mail.outbox[0])
    path = f"/gdpr-mail/confirm/{quote(token, safe='')}/"
    if path == real_path:
        return
    before = (snapshot(), list(PendingSignup.objects.values_list("confirmed_at", "mail_status")))
    client = Client(raise_request_exception=True)
    for response in (client.get(path), client.post(path), client.head(path)):
        assert response.status_code in {200, 404, 405, 410}
    assert (
        snapshot(),
        list(PendingSignup.objects.values_list("confirmed_at", "mail_status")),
    ) == before


def test_non_utf8_bodies_get_an_answer(subscription_page):
    sp = subscription_page
    for body in (b"email=%FF%FE&page_id=%C0&form_id=\xff", b"\xff\xfe\x00", b"=&=&&" * 500):
        response = Client().post(SUBSCRIBE, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in {302, 400, 404, 429}
    response = Client().post(SUBSCRIBE, b"{}", content_type="application/json")
    assert response.status_code in {400, 404}
    assert snapshot() == (0, 0, 0, 0)
    assert sp.page.live
