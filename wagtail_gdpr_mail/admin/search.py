"""Finding a contact by e-mail address without the address in any URL (ASVS 8.3.1).

The search form posts the address; the view keeps only the address's blind-index
hashes in the session, under a random id, and redirects to the listing with that
id (``?search=<id>``). URLs, browser history, proxy and server logs see the id,
never the address; the session holds hashes, never the address either.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied
from django.views.generic import View

from ..crypto import email_blind_index_candidates

SESSION_KEY = "gdpr_mail_contact_searches"
SEARCH_PARAM = "search"
#: Searches remembered per session; older ones are forgotten.
KEPT_SEARCHES = 10
LISTING_ACTIONS = ("view", "change")


class ContactSearchForm(forms.Form):
    email = forms.CharField(
        label=gettext_lazy("Find by e-mail address"),
        max_length=320,
        widget=forms.EmailInput(
            attrs={
                "autocomplete": "off",
                "placeholder": gettext_lazy("The complete address, e.g. name@example.com"),
            }
        ),
        help_text=gettext_lazy(
            "Only a complete, exact address is found: addresses are stored encrypted, "
            "so part of one finds nothing."
        ),
    )


def remember_search(request: HttpRequest, email: str) -> str:
    """Keep the address's blind-index hashes in the session; return the search's id."""
    searches: dict[str, list[str]] = request.session.get(SESSION_KEY, {})
    search_id = secrets.token_urlsafe(12)
    searches[search_id] = email_blind_index_candidates(email)
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return search_id


def remembered_search(request: HttpRequest) -> list[str] | None:
    """The blind-index hashes of the search named in the URL, or None (none, or unknown)."""
    search_id = request.GET.get(SEARCH_PARAM)
    if not search_id:
        return None
    return request.session.get(SESSION_KEY, {}).get(search_id, [])


class ContactSearchView(View):
    """POST the address; redirect to the listing filtered by an opaque search id."""

    http_method_names = ["post"]
    permission_policy = None
    list_url_name = ""

    def post(self, request: HttpRequest) -> HttpResponse:
        if not self.permission_policy.user_has_any_permission(request.user, LISTING_ACTIONS):
            return permission_denied(request, PermissionDenied())
        form = ContactSearchForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the e-mail address to find."))
            return redirect(self.list_url_name)
        search_id = remember_search(request, form.cleaned_data["email"])
        return redirect(
            f"{redirect(self.list_url_name).url}?{urlencode({SEARCH_PARAM: search_id})}"
        )

    @classmethod
    def for_viewset(cls, viewset: Any):
        return cls.as_view(
            permission_policy=viewset.permission_policy,
            list_url_name=viewset.get_url_name("list"),
        )
