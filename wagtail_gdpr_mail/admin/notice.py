"""The admin action that sends a legitimate-interest purpose's information notice."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.ui.menus import MenuItem
from wagtail.snippets.views.snippets import IndexView

from ..consent import notice
from ..mail import get_adapter
from ..models import Contact, InterestNotice, ProcessingPurpose, PurposeAssignment
from .views import ActionView

#: The address the preview is addressed to.
SAMPLE_ADDRESS = "recipient@example.com"


class SendNoticeForm(forms.Form):
    #: Issued with the page, so a double click (or a resent form) sends once.
    batch = forms.UUIDField(widget=forms.HiddenInput)


class SendNoticeView(ActionView):
    """GET: who gets the notice and what it says; POST: queue it (a Celery task)."""

    permission_required = "change"
    http_method_names = ["get", "post"]
    template_name = "wagtail_gdpr_mail/admin/send_notice.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.post(request, pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        purpose = get_object_or_404(ProcessingPurpose.objects.select_related("legal_basis"), pk=pk)
        listing = redirect(ProcessingPurpose.snippet_viewset.get_url_name("list"))
        if not notice.is_notice_purpose(purpose):
            messages.error(
                request,
                _(
                    "“%(purpose)s” is not based on legitimate interest: it has no information "
                    "notice to send."
                )
                % {"purpose": purpose},
            )
            return listing
        form = SendNoticeForm(request.POST or None, initial={"batch": uuid.uuid4()})
        if request.method == "POST" and form.is_valid():
            count = notice.start_sending(purpose, form.cleaned_data["batch"], user=request.user)
            messages.success(
                request,
                ngettext(
                    "The notice is being sent to %(count)d contact.",
                    "The notice is being sent to %(count)d contacts.",
                    count,
                )
                % {"count": count},
            )
            return listing
        return TemplateResponse(
            request,
            self.template_name,
            {
                "purpose": purpose,
                "form": form,
                "recipients": notice.recipients(purpose).count(),
                "preview": self.preview(purpose),
                "header_title": _("Send the information notice"),
            },
        )

    def preview(self, purpose: ProcessingPurpose) -> dict[str, str]:
        """The mail as recipients get it, for a sample address: the page shows no
        contact's data to an editor who may not see contacts."""
        sample = InterestNotice(
            assignment=PurposeAssignment(purpose=purpose, contact=Contact(email=SAMPLE_ADDRESS)),
            base_url="/",
        )
        _message, snapshot = get_adapter().build_notice(sample, "preview")
        return snapshot


class PurposeIndexView(IndexView):
    """The purpose listing, with "Send the information notice" on legitimate-interest rows."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("legal_basis")

    def get_list_more_buttons(self, instance: ProcessingPurpose) -> list:
        buttons = list(super().get_list_more_buttons(instance))
        if notice.is_notice_purpose(instance) and self.permission_policy.user_has_permission(
            self.request.user, SendNoticeView.permission_required
        ):
            url_name = ProcessingPurpose.snippet_viewset.get_url_name("notice")
            buttons.append(
                MenuItem(
                    _("Send the information notice"),
                    url=reverse(url_name, args=[instance.pk]),
                    icon_name="mail",
                    priority=50,
                )
            )
        return buttons
