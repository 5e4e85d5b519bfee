"""The contact listing pages a large table the way it pages a small one: every page
holds the rows plain OFFSET paging would give, in order, and a filtered count that
stops early says it is an estimate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from wagtail_gdpr_mail.admin.paginator import LargeTablePaginator
from wagtail_gdpr_mail.models import Contact

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def sixty(make_contact):
    now = timezone.now()
    # Ten share one timestamp: only the primary key orders them.
    return [
        make_contact(f"p{i:02d}@example.com", created_at=now - timedelta(minutes=i // 10 * 10))
        for i in range(60)
    ]


def titles(response) -> list[str]:
    return re.findall(r"(p\d\d)@example\.com", response.content.decode())


def test_every_page_lists_what_plain_offset_paging_lists_in_order(admin, sixty):
    expected = [c.email.split("@")[0] for c in Contact.objects.order_by("-created_at", "-pk")]
    seen = []
    for page in (1, 2, 3):  # 25 per page; pages 2 and 3 lie past the middle
        seen += list(dict.fromkeys(titles(admin.get(LISTING, {"p": page}))))
    assert seen == expected


def test_pages_past_the_middle_walk_back_from_the_end_with_the_same_rows(sixty):
    queryset = Contact.objects.order_by("-created_at", "-pk")
    paginator = LargeTablePaginator(queryset, 7)
    for number in paginator.page_range:
        plain = list(queryset[(number - 1) * 7 : number * 7])
        assert list(paginator.page(number).object_list) == plain


def test_a_filtered_count_over_the_limit_is_shown_as_an_estimate(sixty, settings):
    queryset = Contact.objects.filter(first_name__isnull=False).order_by("-created_at", "-pk")
    paginator = LargeTablePaginator(queryset, 25)
    paginator.exact_count_limit = 10
    # The estimate comes from PostgreSQL's planner; elsewhere the count stays exact.
    if paginator.count_is_estimate or paginator.count != 60:
        assert paginator.count_is_estimate
        assert paginator.count > 10
        assert paginator.items_count_label.startswith("About ")
    else:
        assert paginator.items_count_label == "60 contacts"


def test_a_filtered_count_under_the_limit_is_exact(sixty):
    queryset = Contact.objects.filter(first_name__isnull=False).order_by("-created_at", "-pk")
    paginator = LargeTablePaginator(queryset, 25)
    assert paginator.count == 60
    assert not paginator.count_is_estimate
