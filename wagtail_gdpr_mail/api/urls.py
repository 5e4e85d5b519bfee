"""The API's URLs: ``path("gdpr-mail/api/", include("wagtail_gdpr_mail.api.urls"))``."""

from django.urls import path, register_converter

from . import views
from .schema import SchemaView


class IdConverter:
    """A row id: digits, at most 18 of them (a bigger number is no row of ours)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "gdpr_mail_id")

app_name = "wagtail_gdpr_mail_api"

api_patterns = [
    path("contacts/", views.ContactCreateView.as_view(), name="contacts"),
    path("contacts/lookup/", views.ContactLookupView.as_view(), name="lookup"),
    path("contacts/<gdpr_mail_id:pk>/", views.ContactView.as_view(), name="contact"),
    path(
        "contacts/<gdpr_mail_id:pk>/assignments/",
        views.AssignmentsView.as_view(),
        name="assignments",
    ),
    path(
        "contacts/<gdpr_mail_id:pk>/assignments/<gdpr_mail_id:assignment_pk>/revoke/",
        views.RevokeView.as_view(),
        name="revoke",
    ),
    path("contacts/<gdpr_mail_id:pk>/export/", views.ExportView.as_view(), name="export"),
    path("contacts/<gdpr_mail_id:pk>/erase/", views.EraseView.as_view(), name="erase"),
    path("purposes/", views.PurposeListView.as_view(), name="purposes"),
    path("purposes/<gdpr_mail_id:pk>/", views.PurposeView.as_view(), name="purpose"),
    path("legal-bases/", views.LegalBasisListView.as_view(), name="legal_bases"),
    path("segments/", views.SegmentListView.as_view(), name="segments"),
    path("segments/<gdpr_mail_id:pk>/", views.SegmentView.as_view(), name="segment"),
    path(
        "segments/<gdpr_mail_id:pk>/members/",
        views.SegmentMembersView.as_view(),
        name="segment_members",
    ),
]

urlpatterns = [
    *api_patterns,
    path("schema/", SchemaView.as_view(api_patterns=api_patterns), name="schema"),
]
