"""A submission reads its form, purposes, list, site and controller from the process's
cache, and the next submission after an editor publishes a change uses the change: in
this process, and in every other one (they share the cache's generation)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers.subscribing import open_form, post_form
from wagtail_gdpr_mail import config_cache
from wagtail_gdpr_mail.legal.controller import get_controller
from wagtail_gdpr_mail.mail import get_adapter
from wagtail_gdpr_mail.models import ProcessingPurpose
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = pytest.mark.usefixtures("no_fill_delay")

#: Tables whose rows only an editor changes: a warm submission reads none of them (the
#: send task joins the signup's page to the row it claims; it reads no table of them).
CONFIG_TABLES = re.compile(
    r'FROM "(wagtailcore_page|wagtailcore_site|wagtailcore_revision|test_project_testpage|'
    r"wagtail_gdpr_mail_(processingpurpose|legalbasis|contactlist|controllersettings))\""
)


def send(visitor, sp, email: str, **kwargs):
    return post_form(visitor, open_form(visitor, sp.url, sp.form_id), email=email, **kwargs)


def last_signup() -> PendingSignup:
    return PendingSignup.objects.order_by("-pk").first()


def republish(page, **changes) -> None:
    """An editor changes the form block and publishes a new revision."""
    page = page.specific
    block = page.body[1].value
    for name, value in changes.items():
        block[name] = value
    page.save_revision(log_action=False).publish(log_action=False)


def test_a_warm_submission_reads_no_configuration_from_the_database(visitor, subscription_page):
    # The first one builds, and gives the purposes their first revision (a save, which
    # draws a new generation); the second builds once more; from then on, nothing.
    send(visitor, subscription_page, "first@example.com")
    send(visitor, subscription_page, "second@example.com")
    form = open_form(visitor, subscription_page.url, subscription_page.form_id)
    with CaptureQueriesContext(connection) as captured:
        response = post_form(visitor, form, email="third@example.com")
    assert response.status_code == 302
    read = [q["sql"] for q in captured.captured_queries if CONFIG_TABLES.search(q["sql"])]
    assert read == []
    # The signup's own statements: the check for a pending signup or a suppression, the
    # insert, the settling statement (one on PostgreSQL, two elsewhere), and the
    # transaction around them; then, after commit, the mail (claim, token, mark sent).
    writes = [q["sql"] for q in captured.captured_queries if "pendingsignup" in q["sql"]]
    assert 3 <= len(writes) <= 12, writes


def test_the_mail_is_built_without_a_query_once_the_site_and_controller_are_known(
    visitor, subscription_page
):
    send(visitor, subscription_page, "jana@example.com", first_name="Jana")
    send(visitor, subscription_page, "petr@example.com", first_name="Petr")
    row = PendingSignup.objects.select_related("page").get(pk=last_signup().pk)
    adapter = get_adapter()
    adapter.build_confirmation(row, "first-token")
    with CaptureQueriesContext(connection) as captured:
        message, _snapshot = adapter.build_confirmation(row, "second-token")
    assert captured.captured_queries == []
    assert "second-token" in message.body


def test_a_newly_published_revision_of_the_page_is_what_the_next_submission_uses(
    visitor, subscription_page
):
    send(visitor, subscription_page, "before@example.com")
    assert last_signup().data["mail"]["subject"] == "Please confirm your subscription"
    republish(subscription_page.page, mail_subject="Confirm, please", heading="Our monthly letter")
    mail.outbox.clear()
    send(visitor, subscription_page, "after@example.com")
    signup = last_signup()
    assert signup.data["mail"]["subject"] == "Confirm, please"
    assert signup.data["form"]["heading"] == "Our monthly letter"
    assert mail.outbox[0].subject == "Confirm, please"


def test_a_new_version_of_a_purpose_is_what_the_next_submission_shows_and_keeps(
    visitor, subscription_page
):
    send(visitor, subscription_page, "before@example.com")
    before = last_signup().data["form"]["main_purpose"]
    purpose = ProcessingPurpose.objects.get(pk=subscription_page.main.pk)
    purpose.visitor_text = "Our newsletter, now every week."
    purpose.save_revision(log_action=False)
    purpose.save()
    send(visitor, subscription_page, "after@example.com")
    after = last_signup().data["form"]["main_purpose"]
    assert after["text"] == "Our newsletter, now every week."
    assert after["revision_id"] != before["revision_id"]


def test_a_main_purpose_switched_off_stops_the_form_at_once(visitor, subscription_page):
    send(visitor, subscription_page, "before@example.com")
    form = open_form(visitor, subscription_page.url, subscription_page.form_id)
    purpose = ProcessingPurpose.objects.get(pk=subscription_page.main.pk)
    purpose.is_active = False
    purpose.save()
    response = post_form(visitor, form, email="after@example.com")
    assert response.status_code == 404


def test_an_unpublished_page_stops_taking_submissions_at_once(visitor, subscription_page):
    send(visitor, subscription_page, "before@example.com")
    form = open_form(visitor, subscription_page.url, subscription_page.form_id)
    subscription_page.page.unpublish()
    assert post_form(visitor, form, email="after@example.com").status_code == 404


def test_a_new_controller_name_is_in_the_next_mail(visitor, subscription_page):
    send(visitor, subscription_page, "before@example.com")
    controller = get_controller()
    controller.controller_name = "Renamed Shop a.s."
    controller.save()
    mail.outbox.clear()
    send(visitor, subscription_page, "after@example.com")
    assert "Renamed Shop a.s." in mail.outbox[0].body
    assert "Renamed Shop a.s." in mail.outbox[0].from_email


def test_a_change_made_in_another_process_is_seen_through_the_shared_generation(
    visitor, subscription_page
):
    send(visitor, subscription_page, "before@example.com")
    # Another process saved the purpose: the rows changed, this process got no signal,
    # only the generation in the shared cache is new.
    ProcessingPurpose.objects.filter(pk=subscription_page.main.pk).update(
        visitor_text="Changed elsewhere."
    )
    cache.set(config_cache.GENERATION_KEY, "drawn-by-another-process", None)
    send(visitor, subscription_page, "after@example.com")
    assert last_signup().data["form"]["main_purpose"]["text"] == "Changed elsewhere."


def test_a_lost_generation_means_building_afresh_never_serving_stale(visitor, subscription_page):
    send(visitor, subscription_page, "before@example.com")
    ProcessingPurpose.objects.filter(pk=subscription_page.main.pk).update(
        visitor_text="Changed while the cache was emptied."
    )
    cache.delete(config_cache.GENERATION_KEY)  # evicted, or the cache restarted
    send(visitor, subscription_page, "after@example.com")
    assert last_signup().data["form"]["main_purpose"]["text"] == (
        "Changed while the cache was emptied."
    )
