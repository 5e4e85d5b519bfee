"""Every subscription form on a page gets its own ``form_id``, however the page was made:
through the ORM, from raw StreamField data (fixtures, data migrations), or with a block
duplicated in the editor."""

from __future__ import annotations

import pytest

from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import (
    EMAIL,
    form_value,
    post_form,
    subscription_forms,
    success_location,
)
from wagtail_gdpr_mail.models.signups import PendingSignup
from wagtail_gdpr_mail.subscriptions.blocks import forms_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


def _form_without_id(make_purpose, contact_list, *, heading: str = "Subscribe"):
    name, value = form_value(main=make_purpose(heading), target_list=contact_list, heading=heading)
    del value["form_id"]
    return name, value


def _submit_every_form(client, page) -> list[str]:
    """Post each form of the live page once; the form ids the page showed."""
    forms = subscription_forms(client.get(page.url).content.decode())
    for n, (form_id, form) in enumerate(forms.items()):
        response = post_form(client, form, email=f"{n}-{EMAIL}")
        assert response.status_code == 302, response.status_code
        assert response["Location"] == success_location(form_id)
    return list(forms)


def test_a_page_built_with_the_orm_accepts_submissions(make_purpose, contact_list, visitor):
    page = publish_test_page([_form_without_id(make_purpose, contact_list)])

    form_ids = _submit_every_form(visitor, page)

    assert len(form_ids) == 1 and form_ids[0]
    assert PendingSignup.objects.count() == 1


def test_a_page_from_raw_stream_data_accepts_submissions(make_purpose, contact_list, visitor):
    """As a fixture or a data migration writes it: JSON without ``form_id``."""
    page = publish_test_page([("heading", "Our newsletter")])
    name, value = _form_without_id(make_purpose, contact_list)
    raw = page.body.stream_block.child_blocks[name].get_prep_value(value)
    raw.pop("form_id", None)
    page.body = [{"type": name, "value": raw, "id": "raw-1"}]
    page.save_revision(log_action=False).publish(log_action=False)

    form_ids = _submit_every_form(visitor, page)

    assert len(form_ids) == 1 and form_ids[0]
    assert PendingSignup.objects.count() == 1


def test_duplicated_forms_get_their_own_ids(make_purpose, contact_list, visitor):
    """Wagtail's "Duplicate" copies the block's value, its form_id included."""
    first = form_value(main=make_purpose("One"), target_list=contact_list, form_id="f" * 32)
    second = form_value(main=make_purpose("Two"), target_list=contact_list, form_id="f" * 32)
    page = publish_test_page([first, second])

    stored_ids = [form["form_id"] for form in forms_on(page)]
    assert stored_ids[0] == "f" * 32 and len(set(stored_ids)) == 2

    form_ids = _submit_every_form(visitor, page)

    assert sorted(form_ids) == sorted(stored_ids)
    assert PendingSignup.objects.count() == 2


def test_a_deduplicated_id_stays_the_same_when_published_again(make_purpose, contact_list):
    first = form_value(main=make_purpose("One"), target_list=contact_list, form_id="f" * 32)
    second = form_value(main=make_purpose("Two"), target_list=contact_list, form_id="f" * 32)
    page = publish_test_page([first, second])
    before = [form["form_id"] for form in forms_on(page)]

    page.save_revision(log_action=False).publish(log_action=False)
    page.refresh_from_db()

    assert [form["form_id"] for form in forms_on(page)] == before
