"""Two-factor sign-in for those who may see personal data (W080–W082)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import checks
from django.db import DatabaseError
from django.db.models import Exists, OuterRef, Q

# --- two-factor sign-in for those who may see personal data (W080–W082) -----------------

#: Where the docs show how to turn on two-factor sign-in.
TWO_FACTOR_DOCS = (
    "https://wagtail-gdpr-mail.readthedocs.io/en/latest/security.html#two-factor-sign-in"
)
TWO_FACTOR_MIDDLEWARE = "wagtail_gdpr_mail.twofactor.middleware.TwoFactorMiddleware"


def users_who_may_view_contacts() -> Any:
    """Active users holding ``view_contact`` (directly, through a group, or as superusers)."""
    permission = Permission.objects.filter(
        content_type__app_label="wagtail_gdpr_mail", codename="view_contact"
    ).first()
    holds = Q(is_superuser=True)
    if permission is not None:
        holds |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return get_user_model()._default_manager.filter(holds, is_active=True).distinct()


def without_second_factor(users: Any) -> Any:
    """``users`` without a confirmed django-otp device."""
    from django_otp import device_classes

    for device_class in device_classes():
        users = users.exclude(
            Exists(device_class.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
    return users


@checks.register(checks.Tags.security)
def check_two_factor(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Outside DEBUG, whoever may view contacts should need more than a password."""
    if settings.DEBUG:
        return []
    if not apps.is_installed("django_otp"):
        return [
            checks.Warning(
                "Editors who may view contacts sign in with a password alone: django_otp is "
                "not installed, so the admin cannot ask for a second factor.",
                hint="pip install wagtail-gdpr-mail[twofactor] and follow "
                f"{TWO_FACTOR_DOCS}, or enforce a second factor at your single sign-on.",
                id="wagtail_gdpr_mail.W080",
            )
        ]
    messages: list[checks.CheckMessage] = []
    if TWO_FACTOR_MIDDLEWARE not in settings.MIDDLEWARE:
        messages.append(
            checks.Warning(
                f"django_otp is installed but {TWO_FACTOR_MIDDLEWARE} is not in MIDDLEWARE: "
                "nothing asks for the second factor when the admin opens.",
                hint=f"Add it after django_otp.middleware.OTPMiddleware; see {TWO_FACTOR_DOCS}.",
                id="wagtail_gdpr_mail.W082",
            )
        )
    try:
        names = list(
            without_second_factor(users_who_may_view_contacts())
            .order_by("pk")
            .values_list(get_user_model().USERNAME_FIELD, flat=True)[:11]
        )
    except DatabaseError:
        return messages  # no database or no tables yet (before `migrate`)
    if names:
        shown = ", ".join(str(name) for name in names[:10]) + (", …" if len(names) > 10 else "")
        messages.append(
            checks.Warning(
                f"Users who may view contacts have no confirmed second factor: {shown}. Until "
                "they set one up, their password alone opens the admin to whoever knows it.",
                hint="Ask them to sign in now (the admin takes them to the set-up), or remove "
                "their access to contacts.",
                id="wagtail_gdpr_mail.W081",
            )
        )
    return messages
