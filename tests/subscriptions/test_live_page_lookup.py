"""A submission finds its live page in one query once the page's type is known, and a
page taken offline stops accepting submissions at once."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers.pages import publish_test_page
from tests.test_project.models import TestPage
from wagtail_gdpr_mail.subscriptions.blocks import get_live_page


def test_the_second_lookup_reads_the_page_in_one_query(db):
    page = publish_test_page([])
    assert get_live_page(page.pk) == page
    with CaptureQueriesContext(connection) as queries:
        found = get_live_page(str(page.pk))
    assert isinstance(found, TestPage) and found.pk == page.pk
    assert len(queries) == 1


def test_an_unpublished_page_is_not_found_although_its_type_is_remembered(db):
    page = publish_test_page([])
    assert get_live_page(page.pk) is not None
    page.unpublish()
    assert get_live_page(page.pk) is None


def test_garbage_ids_find_nothing(db):
    assert get_live_page("12abc") is None
    assert get_live_page(None) is None
    assert get_live_page(987654) is None
