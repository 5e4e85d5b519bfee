"""Snippet choosers of the app's models: who may open them, and what they offer.

Wagtail's chooser modals only check the permission to *create* from them; a
chooser of contacts would list addresses to anyone with admin access. Here a
chooser of contacts needs the view (or change) permission, else a 403, the
list chooser leaves archived lists out, and the purpose chooser shows each
purpose's legal basis (a subscription form takes only purposes resting on consent).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)

from .columns import LegalBasisColumn
from .permissions import policy_for

#: Any of these lets a user open the chooser of a model.
CHOOSER_ACTIONS = ("view", "change")


class ViewPermissionMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        policy = policy_for(self.model_class)
        if not policy.user_has_any_permission(request.user, CHOOSER_ACTIONS):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)


class CurrentOnlyMixin:
    """Offers only what the model's manager calls ``current()`` (e.g. lists not archived)."""

    def get_object_list(self):
        objects = super().get_object_list()
        return objects.current() if hasattr(objects, "current") else objects


class CurrentChooseView(CurrentOnlyMixin, ChooseView):
    pass


class CurrentChooseResultsView(CurrentOnlyMixin, ChooseResultsView):
    pass


class GuardedChooseView(ViewPermissionMixin, ChooseView):
    pass


class GuardedChooseResultsView(ViewPermissionMixin, ChooseResultsView):
    pass


class GuardedChosenView(ViewPermissionMixin, SnippetChosenView):
    pass


class GuardedChosenMultipleView(ViewPermissionMixin, SnippetChosenMultipleView):
    pass


class LegalBasisMixin:
    """Adds the legal basis of each purpose, read with the purposes in one query."""

    def get_object_list(self):
        return super().get_object_list().select_related("legal_basis")

    @property
    def columns(self):
        return [*super().columns, LegalBasisColumn()]


class PurposeChooseView(LegalBasisMixin, ChooseView):
    pass


class PurposeChooseResultsView(LegalBasisMixin, ChooseResultsView):
    pass


class PurposeChooserViewSet(SnippetChooserViewSet):
    """Purposes with their legal bases, so an editor sees what a purpose rests on."""

    choose_view_class = PurposeChooseView
    choose_results_view_class = PurposeChooseResultsView


class CurrentOnlyChooserViewSet(SnippetChooserViewSet):
    """A chooser that leaves out what is archived (lists: names, no personal data)."""

    choose_view_class = CurrentChooseView
    choose_results_view_class = CurrentChooseResultsView


class GuardedChooserViewSet(SnippetChooserViewSet):
    """A chooser of personal data: needs the view or change permission."""

    choose_view_class = GuardedChooseView
    choose_results_view_class = GuardedChooseResultsView
    chosen_view_class = GuardedChosenView
    chosen_multiple_view_class = GuardedChosenMultipleView
