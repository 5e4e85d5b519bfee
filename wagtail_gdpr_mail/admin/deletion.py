"""Purposes and lists that are still needed: what stops their deletion, and what to do instead.

A purpose that contacts hold, or that consent records point at, is evidence:
the editor deactivates it. A list with members (whose join dates are the
evidence behind "valid from the day each joined"), or one a live page's
subscription form files contacts into, is archived. The single delete views
and Wagtail's bulk delete both refuse them, politely, with the reasons.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.log_actions import log

from ..legal.usage import live_pages_using
from ..legal.views import InUseDeleteView
from ..models import ConsentRecord, Contact, ContactList, PendingSignup, ProcessingPurpose
from .permissions import ActionPermissionMixin

Blockers = list[tuple[str, str | None]]


def _page_blockers(obj: Any, user: Any) -> Blockers:
    finder = AdminURLFinder(user)
    return [
        (_("Form on the live page “%(page)s”") % {"page": page.title}, finder.get_edit_url(page))
        for page in live_pages_using(obj)
    ]


def _contacts_url(**query: Any) -> str:
    url = reverse(Contact.snippet_viewset.get_url_name("list"))
    return url + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def purpose_blockers(purpose: ProcessingPurpose, user: Any) -> Blockers:
    """Why ``purpose`` cannot be deleted: contacts hold it, records or live forms use it."""
    blockers: Blockers = []
    held = purpose.assignments.values("contact").distinct().count()
    if held:
        text = ngettext(
            "Assigned to %(count)d contact (kept as evidence, revoked or not)",
            "Assigned to %(count)d contacts (kept as evidence, revoked or not)",
            held,
        )
        blockers.append((text % {"count": held}, None))
    records = ConsentRecord.objects.filter(purpose=purpose).count()
    if records:
        text = ngettext(
            "%(count)d consent record points at it",
            "%(count)d consent records point at it",
            records,
        )
        blockers.append((text % {"count": records}, None))
    blockers.extend(_page_blockers(purpose, user))
    return blockers


def list_blockers(contact_list: ContactList, user: Any) -> Blockers:
    """Why ``contact_list`` cannot be deleted: members, live forms or waiting sign-ups use it."""
    blockers: Blockers = []
    members = contact_list.memberships.count()
    if members:
        text = ngettext(
            "%(count)d member, with the date each joined",
            "%(count)d members, with the date each joined",
            members,
        )
        blockers.append((text % {"count": members}, _contacts_url(contact_list=contact_list.pk)))
    waiting = PendingSignup.objects.filter(contact_list=contact_list).count()
    if waiting:
        text = ngettext(
            "%(count)d sign-up waiting for confirmation",
            "%(count)d sign-ups waiting for confirmation",
            waiting,
        )
        blockers.append((text % {"count": waiting}, None))
    blockers.extend(_page_blockers(contact_list, user))
    return blockers


def blockers_for(obj: Any, user: Any) -> Blockers:
    if isinstance(obj, ProcessingPurpose):
        return purpose_blockers(obj, user)
    if isinstance(obj, ContactList):
        return list_blockers(obj, user)
    return []


def deactivate_purpose(purpose: ProcessingPurpose, user: Any = None) -> bool:
    """Stop offering ``purpose``; everything recorded for it stays. False if already inactive."""
    if not purpose.is_active:
        return False
    purpose.is_active = False
    purpose.save(update_fields=["is_active", "updated_at"])
    # A new version, so the history says when and by whom it was switched off.
    purpose.save_revision(user=user, clean=False)
    return True


def archive_list(contact_list: ContactList, user: Any = None) -> bool:
    """Hide ``contact_list`` from forms and choosers; members and join dates stay."""
    if contact_list.archived:
        return False
    with transaction.atomic():
        contact_list.archived = True
        contact_list.save(update_fields=["archived"])
        log(contact_list, "wagtail.edit", user=user)
    return True


# --- Views ---------------------------------------------------------------------------

#: Set on the request by the delete views below, which explain the refusal themselves.
EXPLAINED = "_gdpr_mail_in_use_explained"


class InstanceInUseDeleteView(InUseDeleteView):
    alternative_action = ""
    alternative_label = ""

    def get_blockers(self) -> Blockers:
        return blockers_for(self.object, self.request.user)

    def run_before_hook(self):
        setattr(self.request, EXPLAINED, True)
        return super().run_before_hook()

    def get_alternative(self) -> tuple[str, str] | None:
        return (
            self.alternative_label,
            reverse(
                self.model.snippet_viewset.get_url_name(self.alternative_action),
                args=[self.object.pk],
            ),
        )


class PurposeDeleteView(InstanceInUseDeleteView):
    in_use_message = gettext_lazy(
        "“%(object)s” cannot be deleted: it is in use, and what was recorded for it is evidence."
    )
    in_use_help = gettext_lazy(
        "Deactivate it instead: forms and the admin stop offering it, and every "
        "assignment and consent record stays."
    )
    alternative_action = "deactivate"
    alternative_label = gettext_lazy("Deactivate")

    def get_alternative(self) -> tuple[str, str] | None:
        return super().get_alternative() if self.object.is_active else None


class ContactListDeleteView(InstanceInUseDeleteView):
    in_use_message = gettext_lazy(
        "“%(object)s” cannot be deleted: its members' join dates are evidence, or forms use it."
    )
    in_use_help = gettext_lazy(
        "Archive it instead: forms and choosers stop offering it, and its members and "
        "their join dates stay."
    )
    alternative_action = "archive"
    alternative_label = gettext_lazy("Archive")

    def get_alternative(self) -> tuple[str, str] | None:
        return None if self.object.archived else super().get_alternative()


class _InsteadView(ActionPermissionMixin, View):
    """POST: the alternative to deleting (needs the "change" permission)."""

    permission_policy = None
    permission_required = "change"
    http_method_names = ["post"]
    model: type = ProcessingPurpose

    def act(self, obj: Any, user: Any) -> bool:
        raise NotImplementedError

    def done_message(self, obj: Any) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=pk)
        if self.act(obj, request.user):
            messages.success(request, self.done_message(obj))
        return redirect(self.model.snippet_viewset.get_url_name("list"))


class DeactivatePurposeView(_InsteadView):
    model = ProcessingPurpose

    def act(self, obj: ProcessingPurpose, user: Any) -> bool:
        return deactivate_purpose(obj, user)

    def done_message(self, obj: ProcessingPurpose) -> str:
        return _("“%(object)s” was deactivated; its records are kept.") % {"object": obj}


class ArchiveListView(_InsteadView):
    model = ContactList

    def act(self, obj: ContactList, user: Any) -> bool:
        return archive_list(obj, user)

    def done_message(self, obj: ContactList) -> str:
        return _("“%(object)s” was archived; its members are kept.") % {"object": obj}


def refuse_bulk_delete_in_use(request: HttpRequest, instances: list[Any]) -> HttpResponse | None:
    """``before_delete_snippet`` hook: the bulk delete refuses purposes and lists in use."""
    if getattr(request, EXPLAINED, False):
        return None
    in_use = [obj for obj in instances if blockers_for(obj, request.user)]
    if not in_use:
        return None
    messages.error(
        request,
        _("Nothing was deleted: %(objects)s still in use. Open each to see why.")
        % {"objects": ", ".join(f"“{obj}”" for obj in in_use)},
    )
    return redirect(type(in_use[0]).snippet_viewset.get_url_name("list"))
