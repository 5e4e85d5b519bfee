"""Ask for the second factor before the Wagtail admin opens.

After ``django_otp.middleware.OTPMiddleware``. A signed-in user who has not
confirmed this session with a second factor is sent to the verify page if they
have one, else (with ``WAGTAIL_GDPR_MAIL_TWO_FACTOR_REQUIRED``) to the set-up page.
Only the admin is guarded (its login and logout stay open); the site's pages are not.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ..conf import app_settings
from .devices import has_second_factor


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.redirect(request) or self.get_response(request)

    def redirect(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not hasattr(user, "is_verified"):
            raise ImproperlyConfigured(
                "TwoFactorMiddleware needs django_otp.middleware.OTPMiddleware before it."
            )
        if user.is_verified() or not self.guarded(request.path):
            return None
        if has_second_factor(user):
            target = "gdpr_mail_twofactor:verify"
        elif app_settings.TWO_FACTOR_REQUIRED:
            target = "gdpr_mail_twofactor:setup"
        else:
            return None
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.path})}")

    @staticmethod
    def guarded(path: str) -> bool:
        admin = reverse("wagtailadmin_home")
        open_paths = (reverse("wagtailadmin_login"), reverse("wagtailadmin_logout"))
        return (
            path.startswith(admin)
            and path not in open_paths
            and not path.startswith(reverse("gdpr_mail_twofactor:verify").rsplit("/", 2)[0])
        )
