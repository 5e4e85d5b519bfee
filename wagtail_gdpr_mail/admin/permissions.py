"""One permission policy for the contact and list admin: generic actions and the app's own.

Every view of the app's admin asks the viewset's policy with an action name.
Generic actions (``add``, ``change``, ``view``…) map to Django's model
permissions as usual; the app's own actions map to the permissions below.
Answers are a plain 403 rather than the admin's usual redirect to the
dashboard: nothing was changed, and the client should know.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies import ModelPermissionPolicy

try:  # Wagtail 8
    from wagtail.permissions import register_permission_policy
except ImportError:  # Wagtail 7.0: the viewsets set their policy themselves
    register_permission_policy = None

APP = "wagtail_gdpr_mail"

#: The app's own actions, by the permission (in this app) each needs.
ACTION_PERMISSIONS = {
    "assign": "add_purposeassignment",
    "revoke": "change_purposeassignment",
    "view_proof": "view_consent_proof",
    "export": "export_contact",
    "erase": "erase_contact",
    # A list's members are contacts (personal data): seeing them needs the view permission.
    "view_members": "view_contact",
    "manage_members": "manage_members",
    # Start, schedule, pause, resume and cancel campaigns, and send a test to oneself.
    "send": "send_campaign",
}


class GdprMailPermissionPolicy(ModelPermissionPolicy):
    """Model permissions plus the app's actions; ``forbidden`` actions are never allowed."""

    def __init__(self, model: Any, *, forbidden: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(model, **kwargs)
        self.forbidden = forbidden

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in self.forbidden:
            return False
        if action in ACTION_PERMISSIONS:
            return user.has_perm(f"{APP}.{ACTION_PERMISSIONS[action]}")
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action)


#: Generic actions a model never allows. Contacts are never "deleted" generically:
#: erasure does it, with suppression and audit, under its own permission.
FORBIDDEN = {"contact": frozenset({"delete"})}


@cache
def policy_for(model: Any) -> GdprMailPermissionPolicy:
    """The one policy of ``model``: the viewset's views, its actions and (on Wagtail 8)
    the policy registry all get this object."""
    return GdprMailPermissionPolicy(
        model, forbidden=FORBIDDEN.get(model._meta.model_name, frozenset())
    )


class ActionPermissionMixin(PermissionCheckedMixin):
    """A view that needs ``permission_required`` of its ``permission_policy``, else a 403."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not self.permission_policy.user_has_permission(request.user, self.permission_required):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)
