"""Confirming a subscription puts the contact back into the form's list as a new stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.links import confirm_path
from tests.helpers.subscribing import EMAIL, press_confirm, subscribe_default
from wagtail_gdpr_mail import audit
from wagtail_gdpr_mail.lists import add_to_list, remove_from_list
from wagtail_gdpr_mail.models import Contact, ListMembership

pytestmark = pytest.mark.usefixtures("no_fill_delay")


def test_a_former_member_who_subscribes_again_gets_a_new_membership(
    subscription_page, make_contact
):
    sp = subscription_page
    contact = make_contact(EMAIL)
    add_to_list([contact], sp.contact_list, when=timezone.now() - timedelta(days=100))
    remove_from_list([contact], sp.contact_list)
    subscribe_default(sp)
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    stays = list(ListMembership.objects.filter(contact=contact).order_by("pk"))
    assert [s.is_current for s in stays] == [False, True]
    assert stays[1].added_by is None and stays[1].added_at > stays[0].left_at
    assert list(Contact.objects.in_list(sp.contact_list)) == [contact]
    joins = ModelLogEntry.objects.filter(object_id=str(contact.pk), action=audit.JOIN_LIST)
    assert joins.count() == 2
