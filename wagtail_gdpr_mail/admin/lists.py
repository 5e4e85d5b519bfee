"""A list's members in the admin: who is in it (and was), adding and removing contacts.

The views are URLs of the list viewset (``admin/viewsets.py``) and ask its
permission policy: seeing members needs the permission to view contacts
(addresses are personal data), changing them the permission to manage list
members. Every change goes through :mod:`wagtail_gdpr_mail.lists`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import django_filters
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import HeaderButton

from ..dates import format_date
from ..lists import add_to_list, remove_from_list
from ..models import Contact, ContactList, ListMembership, PurposeAssignment
from .headers import crumb, header_context, snippet_edit_crumb, snippet_index_crumb
from .list_forms import AddMembersForm
from .permissions import ActionPermissionMixin

LIST_ICON = "list-ul"


def members_url(contact_list: ContactList | int) -> str:
    pk = contact_list if isinstance(contact_list, int) else contact_list.pk
    return reverse(ContactList.snippet_viewset.get_url_name("members"), args=[pk])


def user_name(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


class MemberCountColumn(Column):
    """The list's current members (anonymised contacts apart), linked to the members view."""

    cell_template_name = "wagtail_gdpr_mail/admin/link_cell.html"

    def get_cell_context_data(self, instance: ContactList, parent_context: dict) -> dict:
        context = super().get_cell_context_data(instance, parent_context)
        context.update(text=instance.member_count, url=members_url(instance))
        return context


class MembersFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Membership"),
        choices=[("former", gettext_lazy("Former members")), ("all", gettext_lazy("All"))],
        empty_label=gettext_lazy("Current members"),
        method="filter_status",
    )
    added_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Joined between"), widget=DateRangePickerWidget
    )

    class Meta:
        model = ListMembership
        fields = ["added_at"]

    def filter_status(self, queryset, name, value):
        # Applied by the view even when another filter's input is invalid.
        return queryset


class MembersView(ActionPermissionMixin, IndexView):
    """The list's members: e-mail, name, joined, added by, left, valid purposes."""

    model = ListMembership
    permission_required = "view_members"
    any_permission_required = None
    http_method_names = ["get"]
    filterset_class = MembersFilterSet
    default_ordering = "-added_at"
    paginate_by = 50
    header_icon = LIST_ICON
    is_searchable = False

    @cached_property
    def contact_list(self) -> ContactList:
        return get_object_or_404(ContactList, pk=self.kwargs["pk"])

    @cached_property
    def can_manage(self) -> bool:
        return self.permission_policy.user_has_permission(self.request.user, "manage_members")

    def get_index_url(self) -> str:
        return members_url(self.contact_list)

    def get_index_results_url(self) -> str:
        return reverse(
            ContactList.snippet_viewset.get_url_name("members_results"),
            args=[self.contact_list.pk],
        )

    def get_page_title(self) -> str:
        return _("Members")

    def get_page_subtitle(self) -> str:
        return self.contact_list.name

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return header_context(
            self.get_page_title(),
            icon=LIST_ICON,
            parents=[snippet_index_crumb(ContactList), snippet_edit_crumb(self.contact_list)],
            subtitle=self.get_page_subtitle(),
        )["breadcrumbs_items"]

    @cached_property
    def header_buttons(self) -> list[HeaderButton]:
        if not self.can_manage or self.contact_list.archived:
            return []
        url = reverse(
            ContactList.snippet_viewset.get_url_name("add_members"), args=[self.contact_list.pk]
        )
        return [HeaderButton(_("Add contacts"), url=url, icon_name="plus")]

    def get_base_queryset(self):
        return (
            ListMembership.objects.filter(
                contact_list=self.contact_list, contact__anonymised_at__isnull=True
            )
            .select_related("contact", "added_by", "removed_by")
            .prefetch_related(
                Prefetch(
                    "contact__assignments",
                    queryset=PurposeAssignment.objects.valid_at().select_related("purpose"),
                    to_attr="valid_assignments",
                )
            )
        )

    def filter_queryset(self, queryset):
        # Current members unless asked otherwise, whatever the other filters hold.
        status = self.request.GET.get("status")
        if status == "former":
            queryset = queryset.former()
        elif status != "all":
            queryset = queryset.current()
        return super().filter_queryset(queryset)

    def get_valid_orderings(self) -> list[str]:
        return ["added_at", "-added_at", "left_at", "-left_at"]

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(self.ordering, "-pk")

    def _remove_url(self, membership: ListMembership) -> str | None:
        if not self.can_manage or membership.left_at is not None:
            return None
        return reverse(
            ContactList.snippet_viewset.get_url_name("remove_member"),
            args=[membership.contact_list_id, membership.contact_id],
        )

    @cached_property
    def columns(self) -> list[Column]:
        inspect = Contact.snippet_viewset.get_url_name("inspect")
        return [
            TitleColumn(
                "email",
                label=_("E-mail"),
                accessor=lambda m: m.contact.display_email,
                get_url=lambda m: reverse(inspect, args=[m.contact_id]),
            ),
            Column("name", label=_("Name"), accessor=lambda m: m.contact.full_name or "—"),
            Column(
                "added_at",
                label=_("Joined"),
                accessor=lambda m: format_date(m.added_at),
                sort_key="added_at",
            ),
            Column("added_by", label=_("Added by"), accessor=lambda m: user_name(m.added_by)),
            Column(
                "left_at",
                label=_("Left"),
                accessor=lambda m: (
                    f"{format_date(m.left_at)} · {user_name(m.removed_by)}" if m.left_at else "—"
                ),
                sort_key="left_at",
            ),
            Column(
                "purposes",
                label=_("Valid purposes"),
                accessor=lambda m: (
                    ", ".join(a.purpose.name for a in m.contact.valid_assignments) or "—"
                ),
            ),
            RemoveColumn("remove", label="", get_url=self._remove_url),
        ]


class MembersResultsView(MembersView):
    """The listing alone, refreshed by the filters without reloading the page."""

    results_only = True


class RemoveColumn(Column):
    cell_template_name = "wagtail_gdpr_mail/admin/remove_member_cell.html"

    def __init__(self, name: str, *, get_url: Any, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.get_url = get_url

    def get_cell_context_data(self, instance: ListMembership, parent_context: dict) -> dict:
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = self.get_url(instance)
        return context


class ListActionView(ActionPermissionMixin, View):
    """An action on one list's members; the viewset passes ``permission_policy``."""

    permission_policy = None
    permission_required = "manage_members"

    def get_list(self, pk: int) -> ContactList:
        return get_object_or_404(ContactList, pk=pk)

    def member_page_header(self, title: str, contact_list: ContactList) -> dict[str, Any]:
        """Wagtail's header of a page under the list's members, with the way back."""
        return header_context(
            title,
            icon=LIST_ICON,
            parents=[
                snippet_index_crumb(ContactList),
                snippet_edit_crumb(contact_list),
                crumb(_("Members"), members_url(contact_list)),
            ],
            subtitle=contact_list.name,
        )


class AddMembersView(ListActionView):
    """GET: the form; POST: add the chosen contact and the contacts of the addresses."""

    http_method_names = ["get", "post"]
    template_name = "wagtail_gdpr_mail/admin/add_members.html"

    def get_list(self, pk: int) -> ContactList:
        # An archived list takes no new members (it is offered nowhere else either).
        return get_object_or_404(ContactList.objects.current(), pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render(request, self.get_list(pk), AddMembersForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact_list = self.get_list(pk)
        form = AddMembersForm(request.POST)
        if not form.is_valid():
            return self.render(request, contact_list, form)
        found, missing = form.matches()
        change = add_to_list(found, contact_list, user=request.user)
        if found:
            messages.success(request, added_message(change.changed, change.unchanged))
        if not missing:
            return redirect(members_url(contact_list))
        # Shown on this page, not in a message: messages may be kept in the session.
        retry = AddMembersForm(initial={"emails": "\n".join(missing)})
        return self.render(request, contact_list, retry, missing=missing)

    def render(
        self, request: HttpRequest, contact_list: ContactList, form: AddMembersForm, **extra: Any
    ) -> HttpResponse:
        context = self.member_page_header(_("Add contacts"), contact_list)
        context.update(contact_list=contact_list, form=form, **extra)
        return TemplateResponse(request, self.template_name, context)


def added_message(added: int, unchanged: int) -> str:
    text = ngettext(
        "%(count)d contact added to the list.", "%(count)d contacts added to the list.", added
    ) % {"count": added}
    if unchanged:
        text += " " + ngettext(
            "%(count)d was a member already.", "%(count)d were members already.", unchanged
        ) % {"count": unchanged}
    return text


class RemoveMemberView(ListActionView):
    """GET: confirm; POST: end the contact's membership (the row and its dates stay)."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
        contact_list = self.get_list(pk)
        contact = get_object_or_404(Contact, pk=contact_pk)
        membership = (
            ListMembership.objects.current()
            .filter(contact_list=contact_list, contact=contact)
            .first()
        )
        if membership is None:
            messages.warning(request, _("This contact is not a member of the list."))
            return redirect(members_url(contact_list))
        context = self.member_page_header(_("Remove from list"), contact_list)
        context.update(contact_list=contact_list, contact=contact, membership=membership)
        return TemplateResponse(request, "wagtail_gdpr_mail/admin/remove_member.html", context)

    def post(self, request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
        contact_list = self.get_list(pk)
        contact = get_object_or_404(Contact, pk=contact_pk)
        if remove_from_list([contact], contact_list, user=request.user).changed:
            messages.success(
                request, _("Removed from the list; the dates stay in the contact's history.")
            )
        else:
            messages.warning(request, _("This contact is not a member of the list."))
        return redirect(members_url(contact_list))
