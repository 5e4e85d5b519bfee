"""Shared fixtures and the rules for tests that need a real service (helpers: tests/helpers/).

Tests marked ``postgres`` run in the PostgreSQL pass of ``make test`` and tests
marked ``sqlite`` or ``install`` in the SQLite pass; each is deselected, not
skipped, in the other pass. A test that needs Chromium or
Redis skips where the service is missing — unless ``CI`` is set, where it fails:
CI must never go green by skipping the real parts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from wagtail_gdpr_mail.models import (
    Contact,
    ContactList,
    LegalBasis,
    ListMembership,
    ProcessingPurpose,
    RetentionUnit,
)

from .helpers.browser import VISITOR_SETUPS, browser_page
from .helpers.clock import Clock
from .helpers.rate_limits import clear_rate_limits
from .helpers.services import CHROMIUM, chromium_available, need
from .helpers.users import make_user


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    # The fresh install needs no database of the suite's: once, in the SQLite pass.
    other_pass = ("sqlite", "install") if "postgresql" in engine else ("postgres",)
    selected, deselected = [], []
    for item in items:
        marked = any(item.get_closest_marker(marker) for marker in other_pass)
        (deselected if marked else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(scope="session", autouse=True)
def anymail_test_backend(django_test_environment):
    """Django's test set-up swaps in its locmem backend; put the test project's back
    (Anymail's test backend, or ``TEST_EMAIL_BACKEND``), which records what the ESP gets."""
    from django.conf import settings

    from .test_project import settings as project_settings

    settings.EMAIL_BACKEND = project_settings.EMAIL_BACKEND


@pytest.fixture
def chromium_path() -> str:
    need(chromium_available(), "Chromium")
    return CHROMIUM


@pytest.fixture
def page(chromium_path, live_server):
    """A Chromium page (English, 1280×900), for the tests marked ``browser``."""
    with browser_page(
        chromium_path, locale="en-GB", viewport={"width": 1280, "height": 900}
    ) as page:
        yield page


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """``timezone.now()`` under the test's control: ``clock.advance(days=3)``."""
    from django.utils import timezone

    fake = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", fake)
    return fake


@pytest.fixture(params=list(VISITOR_SETUPS))
def visitor_page(request, chromium_path, live_server):
    """A Chromium page for each way visitors come (English and Czech, desktop and a
    375 px phone); ``visitor_page.language`` is the language the site answers in."""
    with browser_page(chromium_path, **VISITOR_SETUPS[request.param]) as page:
        page.language = request.param.split("-")[0]
        yield page


@pytest.fixture(autouse=True, name="clear_rate_limits")
def _clear_rate_limits():
    """The rate limits count in the cache: every test starts (and ends) with none."""
    clear_rate_limits()
    yield
    clear_rate_limits()


@pytest.fixture
def legal_basis(db) -> LegalBasis:
    return LegalBasis.objects.get(code="consent")


@pytest.fixture
def make_purpose(db, legal_basis):
    counter = {"n": 0}

    def make(name: str | None = None, *, years: int | None = 3, **kwargs) -> ProcessingPurpose:
        counter["n"] += 1
        purpose = ProcessingPurpose.objects.create(
            name=name or f"Purpose {counter['n']}",
            legal_basis=kwargs.pop("legal_basis", legal_basis),
            retention_amount=years,
            retention_unit=RetentionUnit.YEARS,
            visitor_text=kwargs.pop("visitor_text", "We will send you our newsletter."),
            **kwargs,
        )
        purpose.save_revision(log_action=False)
        return purpose

    return make


@pytest.fixture
def purpose(make_purpose) -> ProcessingPurpose:
    return make_purpose("Newsletter")


@pytest.fixture
def make_contact(db):
    counter = {"n": 0}

    def make(email: str | None = None, **kwargs) -> Contact:
        counter["n"] += 1
        return Contact.objects.create(
            email=email or f"person{counter['n']}@example.com",
            first_name=kwargs.pop("first_name", "Jana"),
            last_name=kwargs.pop("last_name", "Nováková"),
            **kwargs,
        )

    return make


@pytest.fixture
def contact(make_contact) -> Contact:
    return make_contact("jana.novakova@example.com", custom_fields={"city": "Kroměříž"})


@pytest.fixture
def contact_list(db) -> ContactList:
    return ContactList.objects.create(name="Newsletter subscribers")


@pytest.fixture
def member(contact, contact_list):
    def join(c: Contact = contact, days_ago: int = 0) -> ListMembership:
        from django.utils import timezone

        return ListMembership.objects.create(
            contact=c, contact_list=contact_list, added_at=timezone.now() - timedelta(days=days_ago)
        )

    return join


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", "password")


@pytest.fixture
def viewer(db):
    """An editor who may see contacts but not change purposes or see consent proof."""
    return make_user("viewer", ["view_contact"])


@pytest.fixture
def editor(db):
    """An editor who may see contacts, assign and revoke purposes and see consent proof."""
    return make_user(
        "editor",
        [
            "view_contact",
            "change_contact",
            "view_contactlist",
            "add_purposeassignment",
            "change_purposeassignment",
            "view_consent_proof",
        ],
    )
