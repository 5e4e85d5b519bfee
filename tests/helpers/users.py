"""Admin users with exactly the permissions a test needs."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission


def make_user(username: str, codenames: Iterable[str]):
    """An admin user holding ``wagtail_gdpr_mail.<codename>`` for each codename, nothing else."""
    codenames = list(codenames)
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "password")
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        *Permission.objects.filter(
            content_type__app_label="wagtail_gdpr_mail", codename__in=codenames
        ),
    )
    assert group.permissions.count() == len(set(codenames)) + 1
    user.groups.add(group)
    return user
