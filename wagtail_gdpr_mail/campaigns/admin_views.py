"""Admin views of a campaign: the sending page (progress, recipients, actions) and its
POST actions. Each checks the ``send`` permission of the campaign's policy (or
``view`` for the page) and only calls :mod:`.lifecycle`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied
from django.views.generic import View
from wagtail.admin.widgets import AdminDateTimeInput

from ..admin.permissions import policy_for
from ..models import Campaign, CampaignStatus
from ..outbox import TRANSIENT_ERRORS
from . import lifecycle, recipients
from .compose import CampaignNotSendable, unsubscribe_url
from .recipients import SKIP_REASONS
from .reports import campaign_report

URL_PREFIX = "wagtailsnippets_wagtail_gdpr_mail_campaign"


def url_name(action: str) -> str:
    return f"{URL_PREFIX}:{action}"


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label=gettext_lazy("Send at"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Empty: send now."),
    )

    def clean_send_at(self) -> datetime | None:
        value = self.cleaned_data["send_at"]
        if value is not None and value < timezone.now():
            raise forms.ValidationError(_("Choose a time in the future, or leave it empty."))
        return value


def _campaign(request: HttpRequest, pk: int, action: str) -> Campaign:
    if not policy_for(Campaign).user_has_permission(request.user, action):
        raise PermissionDenied
    return get_object_or_404(Campaign.objects.select_related("purpose__legal_basis"), pk=pk)


def reason_label(reason: str) -> str:
    return str(SKIP_REASONS.get(reason, reason))


class SendingView(View):
    """The campaign's sending page: status, progress bar, counts with reasons, actions."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            campaign = _campaign(request, pk, "view")
        except PermissionDenied:
            return permission_denied(request, PermissionDenied())
        stats = campaign.statistics()
        may_send = policy_for(Campaign).user_has_permission(request.user, "send")
        draft = campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
        title = _("Sending: %(campaign)s") % {"campaign": campaign}
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/campaign_sending.html",
            {
                "campaign": campaign,
                "stats": stats,
                "reasons": [(s, reason_label(r), n) for s, r, n in stats["reasons"]],
                "report": campaign_report(campaign) if stats["total"] else None,
                "preview": recipients.count(campaign) if draft else None,
                "problems": lifecycle.sending_problems(campaign) if draft else [],
                "may_send": may_send,
                # RFC 8058: mailbox providers offer one-click unsubscribe only for HTTPS.
                "insecure_links": not unsubscribe_url("x").startswith("https://"),
                "schedule_form": ScheduleForm(),
                "urls": {a: reverse(url_name(a), args=[pk]) for a in ACTIONS},
                "edit_url": reverse(url_name("edit"), args=[pk]),
                "refresh": campaign.status == CampaignStatus.SENDING,
                "header_title": title,
                "page_title": title,
                "header_icon": "mail",
                "breadcrumbs_items": [
                    {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                    {"url": reverse(url_name("list")), "label": _("Campaigns")},
                    {"url": "", "label": title},
                ],
            },
        )


class ActionView(View):
    """POST one action on a campaign; back to the sending page with a message."""

    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            campaign = _campaign(request, pk, "send")
        except PermissionDenied:
            return permission_denied(request, PermissionDenied())
        try:
            message = self.act(request, campaign)
        except CampaignNotSendable as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            if message:
                messages.success(request, message)
        return redirect(url_name("sending"), pk)

    def act(self, request: HttpRequest, campaign: Campaign) -> str | None:
        raise NotImplementedError


class ScheduleView(ActionView):
    def act(self, request: HttpRequest, campaign: Campaign) -> str | None:
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            raise CampaignNotSendable([e for errors in form.errors.values() for e in errors])
        when = form.cleaned_data["send_at"]
        lifecycle.schedule(campaign, when, user=request.user)
        if when is None:
            return _("The campaign is being sent.")
        return _("The campaign will be sent at %(time)s.") % {
            "time": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
        }


class PauseView(ActionView):
    def act(self, request: HttpRequest, campaign: Campaign) -> str | None:
        if lifecycle.pause(campaign, user=request.user):
            return _("The campaign is paused.")
        raise CampaignNotSendable(_("Only a campaign that is being sent can be paused."))


class ResumeView(ActionView):
    def act(self, request: HttpRequest, campaign: Campaign) -> str | None:
        if lifecycle.resume(campaign, user=request.user):
            return _("The campaign is being sent again.")
        raise CampaignNotSendable(_("Only a paused campaign can be resumed."))


class CancelView(ActionView):
    def act(self, request: HttpRequest, campaign: Campaign) -> str | None:
        if lifecycle.cancel(campaign, user=request.user):
            return _("The campaign is cancelled.")
        raise CampaignNotSendable(_("The campaign has already finished."))


class TestSendView(ActionView):
    def act(self, request: HttpRequest, campaign: Campaign) -> str | None:
        try:
            lifecycle.send_test(campaign, user=request.user)
        except TRANSIENT_ERRORS as exc:
            raise CampaignNotSendable(
                _("The ESP did not take the test (%(error)s); try again later.")
                % {"error": type(exc).__name__}
            ) from exc
        return _("A test was sent to your own e-mail address.")


ACTIONS: dict[str, Any] = {
    "schedule": ScheduleView,
    "pause": PauseView,
    "resume": ResumeView,
    "cancel": CancelView,
    "test_send": TestSendView,
}
