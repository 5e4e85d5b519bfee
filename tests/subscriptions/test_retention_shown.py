"""The form says how long the data is kept for each purpose, next to the purpose."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers.markup import visible_text
from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_sections, form_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def retention_page(make_purpose, contact_list):
    main = make_purpose("Newsletter", years=3, visitor_text="Our monthly newsletter.")
    yearly = make_purpose("Competitions", years=1, visitor_text="Who won our competitions.")
    open_ended = make_purpose("Surveys", years=None, visitor_text="Questions about our shop.")
    form_id = uuid.uuid4().hex
    page = publish_test_page(
        [
            form_value(
                main=main, extras=[yearly, open_ended], target_list=contact_list, form_id=form_id
            )
        ]
    )
    return page, form_id


def test_each_purpose_on_the_form_states_its_retention(retention_page, client):
    page, form_id = retention_page
    text = visible_text(form_sections(client.get(page.url).content.decode())[form_id])
    assert "Newsletter: Our monthly newsletter. Data kept for 3 years." in text
    assert "Who won our competitions. Data kept for 1 year." in text
    assert "Questions about our shop. Data kept until you withdraw your consent." in text


def test_the_form_kept_as_evidence_records_the_retention_shown(retention_page):
    from wagtail_gdpr_mail.subscriptions.forms import form_snapshot

    page, form_id = retention_page
    config = page.specific.body[0].value
    snapshot = form_snapshot(config, page)
    assert snapshot["main_purpose"]["retention_text"] == "Data kept for 3 years."
    assert [p["retention_text"] for p in snapshot["extra_purposes"]] == [
        "Data kept for 1 year.",
        "Data kept until you withdraw your consent.",
    ]
