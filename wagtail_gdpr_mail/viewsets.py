"""The app's admin: one menu group with contacts, lists, purposes and legal bases."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.permission_policies import ModelPermissionPolicy

try:  # Wagtail 8
    from wagtail.permissions import register_permission_policy
except ImportError:  # Wagtail 7.0
    register_permission_policy = None
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from .forms import ContactForm
from .legal.views import LegalBasisDeleteView
from .legal.viewsets import LEGAL_VIEWSETS
from .models import Contact, ContactList, LegalBasis, ProcessingPurpose
from .views.admin import ContactFilterSet, ContactIndexView, ContactInspectView


class LinkColumn(Column):
    """A cell holding one link, e.g. an action on the row."""

    cell_template_name = "wagtail_gdpr_mail/admin/link_cell.html"

    def __init__(self, name, *, text, url_name, **kwargs):
        super().__init__(name, **kwargs)
        self.text, self.url_name = text, url_name

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context.update(text=self.text, url=reverse(self.url_name, args=[instance.pk]))
        return context


class LegalBasisViewSet(SnippetViewSet):
    model = LegalBasis
    icon = "doc-full"
    menu_label = _("Legal bases")
    delete_view_class = LegalBasisDeleteView
    list_display = ["__str__", "article", "code"]


class PurposeViewSet(SnippetViewSet):
    model = ProcessingPurpose
    icon = "tick-inverse"
    menu_label = _("Purposes")
    list_display = [
        "name",
        "legal_basis",
        Column("retention_display", label=_("Retention")),
        BooleanColumn("revocable_by_unsubscribe", label=_("Unsubscribe revokes")),
        BooleanColumn("is_active", label=_("Active")),
    ]
    list_filter = ["legal_basis", "is_active"]


class ContactListIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(contact_count=Count("memberships"))

    @cached_property
    def columns(self):
        return [
            *super().columns,
            Column("contact_count", label=_("Contacts"), sort_key="contact_count"),
            DateColumn("created_at", label=_("Created")),
            LinkColumn(
                "assign",
                label=_("Purposes"),
                text=_("Assign a purpose"),
                url_name="wagtail_gdpr_mail_list_assign",
            ),
        ]


class ContactListViewSet(SnippetViewSet):
    model = ContactList
    icon = "list-ul"
    menu_label = _("Lists")
    index_view_class = ContactListIndexView
    list_display = ["name"]


class ContactPermissionPolicy(ModelPermissionPolicy):
    """Contacts are never "deleted" generically: erasure (views/admin.py) does it,
    with suppression and audit, under its own permission."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, [a for a in actions if a != "delete"])

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "delete" and super().user_has_permission_for_instance(
            user, action, instance
        )


class ContactViewSet(SnippetViewSet):
    model = Contact
    icon = "user"
    menu_label = _("Contacts")
    index_view_class = ContactIndexView
    inspect_view_enabled = True
    inspect_view_class = ContactInspectView
    filterset_class = ContactFilterSet
    list_display = [
        "email",
        "full_name",
        "source",
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    list_per_page = 25
    copy_view_enabled = False

    if register_permission_policy is None:  # Wagtail 7.0; 8.x registers it in wagtail_hooks

        @cached_property
        def permission_policy(self):
            return ContactPermissionPolicy(Contact)

    edit_handler = ObjectList(
        [
            FieldPanel("email"),
            FieldPanel("first_name"),
            FieldPanel("last_name"),
            FieldPanel("custom_fields"),
            FieldPanel("source"),
        ],
        base_form_class=ContactForm,
    )


class GdprMailViewSetGroup(SnippetViewSetGroup):
    items = (ContactViewSet, ContactListViewSet, PurposeViewSet, LegalBasisViewSet, *LEGAL_VIEWSETS)
    menu_label = _("GDPR mail")
    menu_icon = "mail"
    menu_order = 250
