"""``manage.py gdpr_mail_segment NAME --count / --ids``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.helpers.segments import make_segment, rule
from wagtail_gdpr_mail.consent.assignments import assign_purpose

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("gdpr_mail_segment", *args, stdout=out)
    return out.getvalue()


def test_count_and_ids(make_contact, purpose):
    holders = [make_contact(), make_contact()]
    make_contact()
    for contact in holders:
        assign_purpose(contact, purpose, source="admin")
    segment = make_segment(rule("has_purpose", {"purpose": purpose.pk}), name="Fans")
    assert run("Fans", "--count") == "2\n"
    assert run(str(segment.pk), "--ids").split() == [str(c.pk) for c in holders]
    assert run("Has no valid purpose", "--count") == "1\n"


def test_unknown_segment_and_missing_option():
    with pytest.raises(CommandError):
        run("Nope", "--count")
    with pytest.raises(CommandError):
        run("Has no valid purpose")
