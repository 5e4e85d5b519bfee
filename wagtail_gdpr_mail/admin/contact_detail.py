"""The contact's detail: tabs Data / Purposes / Consent history, with header actions.

The consent history shows each record's evidence as labelled rows
(``admin/evidence.py``), with the raw JSON one click away for auditors.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import InspectView

from .. import audit
from ..crypto import is_unreadable, unreadable_fields
from ..models import Contact
from .custom_fields import custom_field_rows
from .evidence import EvidencePresenter
from .forms import AssignPurposeForm


class ContactInspectView(InspectView):
    """The contact's detail with tabs Data / Purposes / Consent history.

    Every opening is written to the audit log (without personal data).
    """

    template_name = "wagtail_gdpr_mail/admin/contact_inspect.html"

    def can(self, action: str) -> bool:
        return self.permission_policy.user_has_permission(self.request.user, action)

    def url_name(self, action: str) -> str:
        return Contact.snippet_viewset.get_url_name(action)

    def get_page_title(self) -> str:
        return _("Contact")

    def get_page_subtitle(self) -> str:
        return self.object.display_email

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        audit.log_action(
            self.object,
            audit.VIEW_CONTACT,
            user=request.user,
            ip=request.META.get("REMOTE_ADDR", ""),
        )
        return super().get(request, *args, **kwargs)

    @cached_property
    def header_buttons(self):
        contact = self.object
        buttons = []
        if self.can("export"):
            buttons.append(
                HeaderButton(
                    _("Export"),
                    url=reverse(self.url_name("export"), args=[contact.pk]),
                    icon_name="download",
                    attrs={"data-gdpr-mail-export": ""},
                    priority=10,
                )
            )
        if self.can("erase"):
            buttons.append(
                HeaderButton(
                    _("Erase"),
                    url=reverse(self.url_name("erase"), args=[contact.pk]),
                    icon_name="bin",
                    attrs={"data-gdpr-mail-erase": ""},
                    priority=20,
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        # The generic "Delete" is replaced by "Erase", which also suppresses the
        # address and wipes or removes every trace of it.
        return [b for b in super().header_more_buttons if b.icon_name != "bin"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contact: Contact = self.object
        can_view_proof = self.can("view_proof")
        records = (
            list(contact.consent_records.select_related("purpose").order_by("-pk"))
            if can_view_proof
            else []
        )
        presenter = EvidencePresenter(records)
        for record in records:
            record.purpose_version = presenter.purpose_version(record)
            record.acted_by = presenter.acted_by(record)
            record.evidence_rows = presenter.rows(record)
            record.raw_json = presenter.raw_json(record)
        context.update(
            unreadable_fields=[
                str(Contact._meta.get_field(name).verbose_name)
                for name in unreadable_fields(contact)
            ],
            unreadable_records={r.pk for r in records if is_unreadable(r.evidence)},
            contact=contact,
            custom_fields=custom_field_rows(contact),
            memberships=contact.memberships.select_related(
                "contact_list", "added_by", "removed_by"
            ).order_by("added_at", "pk"),
            assignments=contact.assignments.select_related("purpose", "purpose__legal_basis"),
            can_assign=self.can("assign"),
            can_revoke=self.can("revoke"),
            can_view_proof=can_view_proof,
            records=records,
            assign_form=AssignPurposeForm(),
            assign_url=reverse(self.url_name("assign"), args=[contact.pk]),
            revoke_url_name=self.url_name("revoke"),
        )
        return context
