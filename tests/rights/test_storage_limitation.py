"""Storage limitation (GDPR Art. 5(1)(e)): contacts without a valid purpose past the grace
period are listed as due for erasure, erased from the report in bulk, and by the daily job
only when the site turns it on. Every run is audited with counts, never personal data.

The clock is the one the code already takes: every service accepts ``now``, the way
``PurposeAssignment.objects.valid_at(when)`` does, and the contacts' dates are set around it.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.rights import logged_in, personal_data_in
from tests.helpers.users import make_user
from wagtail_gdpr_mail.checks import check_storage_limitation
from wagtail_gdpr_mail.conf import app_settings
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.dates import format_date
from wagtail_gdpr_mail.exceptions import ConfigurationError
from wagtail_gdpr_mail.models import (
    Contact,
    PurposeAssignment,
    StorageLimitationRun,
    Suppression,
)
from wagtail_gdpr_mail.rights import retention
from wagtail_gdpr_mail.schedule import BEAT_SCHEDULE, ENFORCE_STORAGE_LIMITATION
from wagtail_gdpr_mail.tasks import enforce_storage_limitation

REPORT = "/admin/gdpr-mail/due-for-erasure/"
ERASE = REPORT + "erase/"
RUN_ACTION = "wagtail_gdpr_mail.storage_limitation"

Reason = PurposeAssignment.RevocationReason


@pytest.fixture
def now():
    return timezone.now()


def due_pks(**kwargs) -> list[int]:
    return list(retention.due_for_erasure(**kwargs).values_list("pk", flat=True))


# --- Who is due ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["expired", Reason.WITHDRAWN, Reason.UNSUBSCRIBED, "never"])
def test_the_grace_period_boundary(lapsed, now, how):
    assert app_settings.STORAGE_GRACE_DAYS == 30
    inside = lapsed(29, how, at=now)
    past = lapsed(31, how, at=now)
    assert due_pks(now=now) == [past.pk]
    # A day later the first is exactly at the boundary, still inside; a day after, past it.
    assert due_pks(now=now + timedelta(days=1)) == [past.pk]
    assert due_pks(now=now + timedelta(days=2)) == [past.pk, inside.pk]
    assert inside.pk in due_pks(now=now, grace_days=28)


def test_the_grace_period_is_a_setting(lapsed, now, settings):
    contact = lapsed(11, at=now)
    assert due_pks(now=now) == []
    settings.WAGTAIL_GDPR_MAIL_STORAGE_GRACE_DAYS = 10
    assert due_pks(now=now) == [contact.pk]


def test_the_reason_says_why_and_since_when(lapsed, now, purpose, make_purpose):
    withdrawn = lapsed(40, Reason.WITHDRAWN, at=now)
    unsubscribed = lapsed(50, Reason.UNSUBSCRIBED, at=now)
    expired = lapsed(60, at=now)
    never = lapsed(70, "never", at=now)
    # The latest end counts: an old lapse, then a later withdrawal of another purpose.
    both = lapsed(100, at=now)
    PurposeAssignment.objects.create(
        contact=both,
        purpose=make_purpose("Webinars"),
        source="admin",
        valid_from=now - timedelta(days=200),
        revoked_at=now - timedelta(days=45),
        revocation_reason=Reason.WITHDRAWN,
    )
    # Revoked long after it had lapsed: the validity ended when it lapsed.
    late = lapsed(80, at=now)
    late.assignments.update(revoked_at=now - timedelta(days=5), revocation_reason=Reason.ADMIN)

    rows = {c.pk: c for c in retention.due_for_erasure(now=now)}
    day = lambda n: format_date(now - timedelta(days=n))  # noqa: E731
    assert {pk: retention.storage_reason(c) for pk, c in rows.items()} == {
        withdrawn.pk: f"Consent withdrawn on {day(40)}",
        unsubscribed.pk: f"Revoked on {day(50)}: Unsubscribe link",
        expired.pk: f"Expired on {day(60)}",
        never.pk: f"Never held a purpose; created on {day(70)}",
        both.pk: f"Consent withdrawn on {day(45)}",
        late.pk: f"Expired on {day(80)}",
    }
    assert [retention.days_without_purpose(rows[pk], now) for pk in (withdrawn.pk, never.pk)] == [
        40,
        70,
    ]
    # Longest without a purpose first.
    assert list(rows) == [late.pk, never.pk, expired.pk, unsubscribed.pk, both.pk, withdrawn.pk]


def test_who_is_never_due(lapsed, now, make_contact, purpose, make_purpose):
    anonymised = lapsed(90, at=now)
    anonymised.anonymised_at = now - timedelta(days=1)
    anonymised.save(update_fields=["anonymised_at"])
    valid = lapsed(90, at=now)
    PurposeAssignment.objects.create(
        contact=valid,
        purpose=make_purpose("Forever"),
        source="admin",
        valid_from=now - timedelta(days=1),
        valid_until=None,
    )
    waiting = lapsed(90, at=now)
    PurposeAssignment.objects.create(
        contact=waiting,
        purpose=make_purpose("Starts next week"),
        source="admin",
        valid_from=now + timedelta(days=7),
        valid_until=now + timedelta(days=400),
    )
    due = lapsed(90, at=now)
    assert due_pks(now=now) == [due.pk]


def test_one_query_finds_them_all(lapsed, now, django_assert_num_queries):
    for days in range(31, 41):
        lapsed(days, ["expired", Reason.WITHDRAWN, "never"][days % 3], at=now)
    with django_assert_num_queries(1):
        rows = list(retention.due_for_erasure(now=now))
        reasons = [retention.storage_reason(c) for c in rows]
    assert len(rows) == 10 and all(reasons)


# --- The report and erasing from it ---------------------------------------------------------


@pytest.fixture
def rights_officer(db):
    return make_user("rights-officer", ["view_contact", "erase_contact"])


def test_the_report_lists_due_contacts_with_links_reasons_and_days(lapsed, rights_officer):
    due = lapsed(45, Reason.WITHDRAWN, email="gone@example.com")
    lapsed(3, email="recent@example.com")
    response = logged_in(rights_officer).get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "gone@example.com" in html and "recent@example.com" not in html
    assert f"/admin/snippets/wagtail_gdpr_mail/contact/inspect/{due.pk}/" in html
    assert "Consent withdrawn on" in html and "45 days" in html
    assert f'name="id" value="{due.pk}"' in html and "data-gdpr-mail-erase-all" in html
    assert "The daily job only counts them" in html
    # In the Reports menu.
    assert "Due for erasure" in logged_in(rights_officer).get("/admin/").content.decode()


def test_the_report_needs_view_permission_and_erasing_needs_erase(lapsed, now):
    due = lapsed(45)
    viewer = make_user("viewer", ["view_contact"])
    nobody = make_user("nobody", ["view_contactlist"])

    assert logged_in(nobody).get(REPORT).status_code == 403
    assert "Due for erasure" not in logged_in(nobody).get("/admin/").content.decode()

    page = logged_in(viewer).get(REPORT)
    assert page.status_code == 200
    html = page.content.decode()
    assert due.email in html
    assert 'name="id"' not in html and "data-gdpr-mail-erase-all" not in html

    for user in (viewer, nobody):
        client = logged_in(user)
        assert client.post(ERASE, {"scope": "selected", "id": [due.pk]}).status_code == 403
        response = client.post(
            ERASE, {"scope": "all", "mode": "delete", "confirm": "1"}, follow=False
        )
        assert response.status_code == 403
    due.refresh_from_db()
    assert not due.is_anonymised
    assert not StorageLimitationRun.objects.exists()


def test_select_confirm_anonymise_audited_and_gone_from_the_report(
    lapsed, rights_officer, superuser
):
    first = lapsed(45, email="first@example.com")
    second = lapsed(60, "never", email="second@example.com")
    untouched = lapsed(50, Reason.WITHDRAWN, email="untouched@example.com")
    client = logged_in(rights_officer)

    confirm = client.post(ERASE, {"scope": "selected", "id": [first.pk, second.pk]})
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert 'data-gdpr-mail-due-count="2"' in html
    assert "first@example.com" in html and "untouched@example.com" not in html
    assert 'value="anonymise"' in html and 'value="delete"' in html
    assert Contact.objects.not_anonymised().count() == 3  # nothing happened yet

    done = client.post(
        ERASE,
        {"scope": "selected", "id": [first.pk, second.pk], "confirm": "1", "mode": "anonymise"},
    )
    assert done.status_code == 302 and done["Location"] == REPORT
    for contact in (first, second):
        contact.refresh_from_db()
        assert contact.is_anonymised and contact.email is None
    untouched.refresh_from_db()
    assert not untouched.is_anonymised

    page = client.get(REPORT).content.decode()
    assert "2 contacts have been anonymised." in page
    assert "first@example.com" not in page and "untouched@example.com" in page

    (entry,) = ModelLogEntry.objects.filter(action=RUN_ACTION)
    run = StorageLimitationRun.objects.get()
    assert entry.object_id == str(run.pk) and entry.user_id == rights_officer.pk
    assert entry.data == {
        "trigger": "editor",
        "mode": "anonymise",
        "grace_days": 30,
        "due": 2,
        "erased": 2,
        "selected": 2,
    }
    assert (run.due, run.erased, run.user_id) == (2, 2, rights_officer.pk)
    erasures = ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.erase")
    assert sorted(e.data["storage_limitation_run"] for e in erasures) == [run.pk, run.pk]
    for entry in ModelLogEntry.objects.all():
        text = f"{entry.label} {entry.data}"
        assert "@example.com" not in text and personal_data_in(text) == []
    # Site history shows the run by its number and action, nothing more.
    history = logged_in(superuser).get("/admin/reports/site-history/")
    assert history.status_code == 200
    body = history.content.decode()
    assert f"Storage limitation run #{run.pk}" in body and "@example.com" not in body


def test_all_due_deleted_in_batches_and_a_renewed_contact_kept(
    lapsed, rights_officer, settings, purpose
):
    settings.WAGTAIL_GDPR_MAIL_STORAGE_ERASE_BATCH_SIZE = 2
    due = [lapsed(40 + n) for n in range(5)]
    renewed = lapsed(60)
    client = logged_in(rights_officer)
    confirm = client.post(ERASE, {"scope": "all"})
    assert 'data-gdpr-mail-due-count="6"' in confirm.content.decode()
    # Before the editor confirms, one of them subscribes again.
    assign_purpose(renewed, purpose, source="form")

    done = client.post(ERASE, {"scope": "all", "confirm": "1", "mode": "delete"})
    assert done.status_code == 302
    assert list(Contact.objects.values_list("pk", flat=True)) == [renewed.pk]
    assert Suppression.objects.count() == 5
    run = StorageLimitationRun.objects.get()
    assert (run.mode, run.due, run.erased) == ("delete", 5, 5)
    assert ModelLogEntry.objects.filter(action=RUN_ACTION).count() == 1
    assert len(due) == 5


def test_a_selected_contact_no_longer_due_is_kept_and_said_so(lapsed, rights_officer, make_contact):
    due = lapsed(45)
    fresh = make_contact()  # created today: inside the grace period
    client = logged_in(rights_officer)
    response = client.post(
        ERASE,
        {"scope": "selected", "id": [due.pk, fresh.pk], "confirm": "1", "mode": "anonymise"},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 contact has been anonymised." in html
    assert "1 selected contact was no longer due for erasure and was kept." in html
    fresh.refresh_from_db()
    assert not fresh.is_anonymised


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"scope": "nonsense"},
        {"scope": "selected"},
        {"scope": "selected", "id": ["abc", "-1", "99999999999999999999999"]},
        {"scope": "selected", "id": [str(n) for n in range(1, 600)]},
        {"scope": "selected", "id": ["1"], "confirm": "1", "mode": "shred"},
        {"scope": "all", "confirm": "1"},
    ],
)
def test_odd_input_never_erases_or_fails(lapsed, rights_officer, data):
    lapsed(45)
    response = logged_in(rights_officer).post(ERASE, data)
    assert response.status_code in (200, 302)
    assert Contact.objects.not_anonymised().count() == 1
    assert not StorageLimitationRun.objects.exists()


def test_odd_report_urls_never_fail(lapsed, rights_officer):
    lapsed(45)
    client = logged_in(rights_officer)
    for query in ("?p=abc", "?p=999", "?p=-1", "?ordering=email"):
        assert client.get(REPORT + query).status_code in (200, 404)
    assert client.get(ERASE).status_code == 405


# --- The daily job --------------------------------------------------------------------------


def test_the_daily_job_only_counts_by_default(lapsed, now):
    due = lapsed(45, at=now)
    assert app_settings.STORAGE_AUTO_ERASE is None
    assert enforce_storage_limitation.delay().get() == 0
    due.refresh_from_db()
    assert not due.is_anonymised and due.email
    run = StorageLimitationRun.objects.get()
    assert (run.trigger, run.mode, run.due, run.erased) == ("schedule", "", 1, 0)
    (entry,) = ModelLogEntry.objects.filter(action=RUN_ACTION)
    assert entry.user_id is None
    assert entry.data == {
        "trigger": "schedule",
        "mode": "",
        "grace_days": 30,
        "due": 1,
        "erased": 0,
    }


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
def test_the_daily_job_erases_when_turned_on_and_repeats_safely(lapsed, now, settings, mode):
    settings.WAGTAIL_GDPR_MAIL_STORAGE_AUTO_ERASE = mode
    settings.WAGTAIL_GDPR_MAIL_STORAGE_ERASE_BATCH_SIZE = 2
    due = [lapsed(31 + n, at=now) for n in range(3)]
    kept = lapsed(29, at=now)

    first = retention.enforce_storage_limitation(now=now)
    again = retention.enforce_storage_limitation(now=now)
    assert (first.due, first.erased, again.due, again.erased) == (3, 3, 0, 0)
    remaining = Contact.objects.not_anonymised()
    assert list(remaining.values_list("pk", flat=True)) == [kept.pk]
    if mode == "delete":
        assert not Contact.objects.filter(pk__in=[c.pk for c in due]).exists()
    entries = ModelLogEntry.objects.filter(action=RUN_ACTION).order_by("pk")
    assert [(e.data["mode"], e.data["due"], e.data["erased"]) for e in entries] == [
        (mode, 3, 3),
        (mode, 0, 0),
    ]


def test_the_daily_job_has_a_beat_entry_and_a_command(lapsed, now):
    entry = BEAT_SCHEDULE["wagtail-gdpr-mail-enforce-storage-limitation"]
    assert entry["task"] == ENFORCE_STORAGE_LIMITATION
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({4}, {10})  # daily
    assert enforce_storage_limitation.name == "wagtail_gdpr_mail.tasks.enforce_storage_limitation"
    lapsed(45)
    out = StringIO()
    call_command("gdpr_mail_storage_limitation", stdout=out)
    assert "1 due for erasure, 0 erased (report only)" in out.getvalue()


def test_wrong_settings_are_named(settings):
    settings.WAGTAIL_GDPR_MAIL_STORAGE_AUTO_ERASE = "shred"
    with pytest.raises(ConfigurationError, match="WAGTAIL_GDPR_MAIL_STORAGE_AUTO_ERASE"):
        getattr(app_settings, "STORAGE_AUTO_ERASE")  # noqa: B009 (reading it raises)
    settings.WAGTAIL_GDPR_MAIL_STORAGE_GRACE_DAYS = -3
    messages = check_storage_limitation()
    assert {m.id for m in messages} == {"wagtail_gdpr_mail.E044", "wagtail_gdpr_mail.E045"}
    assert all(m.level == checks.ERROR for m in messages)
