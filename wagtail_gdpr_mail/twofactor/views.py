"""Set up the second factor (an authenticator app, then recovery codes) and verify it."""

from __future__ import annotations

from functools import wraps
from typing import Any

import django_otp
from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..headers import public_headers
from . import devices

TEMPLATES = "wagtail_gdpr_mail/twofactor/"
SETUP_KEY_SESSION = "gdpr_mail_totp_setup_key"


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("wagtailadmin_home")


def signed_in(view: Any) -> Any:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            login = reverse("wagtailadmin_login")
            return HttpResponseRedirect(f"{login}?{urlencode({'next': request.path})}")
        return view(request, *args, **kwargs)

    return wrapper


def qr_svg(url: str) -> str:
    """The set-up link as an inline SVG QR code ("" without segno: the key is shown)."""
    try:
        import segno  # the ``twofactor`` extra
    except ImportError:  # pragma: no cover - depends on the installation
        return ""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


@public_headers
@never_cache
@signed_in
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code, type a code from the app; then the recovery codes, shown once.

    Only for a user without a second factor: with one, a stolen password must not be
    enough to add another."""
    if devices.has_second_factor(request.user):
        return HttpResponseRedirect(
            f"{reverse('gdpr_mail_twofactor:verify')}?{urlencode({'next': _next(request)})}"
        )
    # The key waits in the session until the app's code confirms it: nothing is
    # stored on a GET.
    key = request.session.get(SETUP_KEY_SESSION) or devices.new_totp_key()
    request.session[SETUP_KEY_SESSION] = key
    device = devices.unsaved_totp_device(request.user, key)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enabled = devices.enable_two_factor(request.user, key, form.cleaned_data["token"])
        if enabled is not None:
            device, codes = enabled
            del request.session[SETUP_KEY_SESSION]
            django_otp.login(request, device)
            return render(
                request, f"{TEMPLATES}recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("token", _("That code is not right. Type the code the app shows now."))
    context = {
        "form": form,
        "qr_svg": qr_svg(device.config_url),
        "secret": device.config_url.split("secret=", 1)[1].split("&", 1)[0],
        "next": _next(request),
    }
    return render(request, f"{TEMPLATES}setup.html", context, status=400 if form.errors else 200)


@public_headers
@never_cache
@signed_in
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """A code from the authenticator app, or one of the recovery codes."""
    if not devices.has_second_factor(request.user):
        return HttpResponseRedirect(
            f"{reverse('gdpr_mail_twofactor:setup')}?{urlencode({'next': _next(request)})}"
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = devices.verify(request.user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            return HttpResponseRedirect(_next(request))
        form.add_error(
            "token",
            _(
                "That code is not right, or it was used already. After a wrong code, wait "
                "a few seconds before the next try."
            ),
        )
    context = {"form": form, "next": _next(request)}
    return render(request, f"{TEMPLATES}verify.html", context, status=400 if form.errors else 200)
