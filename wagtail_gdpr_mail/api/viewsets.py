"""API keys in the admin: a model viewset under the app's menu group. Every view needs
"Can manage API keys"; the key itself is shown once, right after it was made."""

from __future__ import annotations

from typing import Any

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from .. import audit
from ..admin.columns import LocalDateColumn
from ..models import ApiKey
from .forms import ApiKeyEditForm, ApiKeyForm

MANAGE_PERMISSION = "wagtail_gdpr_mail.manage_api_keys"


class ApiKeyPermissionPolicy(ModelPermissionPolicy):
    """One permission for everything: "Can manage API keys"."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return user.is_active and user.has_perm(MANAGE_PERMISSION)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return self.user_has_permission(user, "")

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action)


api_key_policy = ApiKeyPermissionPolicy(ApiKey)


class ApiKeyCreateView(CreateView):
    def save_instance(self) -> ApiKey:
        instance: ApiKey = self.form.instance
        instance.created_by = self.request.user
        self.raw_key = instance.issue()
        instance.save()
        audit.log_action(
            instance, audit.CREATE_API_KEY, user=self.request.user, data={"scopes": instance.scopes}
        )
        return instance

    def save_action(self) -> Any:
        # The only time the key is ever shown: not stored, not cached.
        response = TemplateResponse(
            self.request,
            "wagtail_gdpr_mail/admin/api_key_created.html",
            {
                "api_key": self.object,
                "raw_key": self.raw_key,
                "index_url": self.get_success_url(),
                "page_title": _("API key created"),
                "header_icon": "key",
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class ApiKeyEditView(EditView):
    def save_instance(self) -> ApiKey:
        instance: ApiKey = self.form.instance
        revoke = self.form.cleaned_data.get("revoke") and instance.revoked_at is None
        if revoke:
            instance.revoked_at = timezone.now()
        instance.save()
        if revoke:
            audit.log_action(instance, audit.REVOKE_API_KEY, user=self.request.user)
        return instance


class ApiKeyViewSet(ModelViewSet):
    model = ApiKey
    name = "gdpr_mail_api_keys"
    url_prefix = "gdpr-mail/api-keys"
    icon = "key"
    menu_label = _("API keys")
    add_to_settings_menu = True
    add_view_class = ApiKeyCreateView
    edit_view_class = ApiKeyEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "name",
        Column("visible_part", label=_("Key starts with")),
        Column("scopes", label=_("Scopes"), accessor="scopes_display"),
        Column("status", label=_("Status")),
        LocalDateColumn("expires_at", label=_("Expires"), sort_key="expires_at"),
        LocalDateColumn("last_used_at", label=_("Last used"), sort_key="last_used_at"),
    ]

    @cached_property
    def permission_policy(self) -> ApiKeyPermissionPolicy:
        return api_key_policy

    def get_form_class(self, for_update: bool = False) -> type:
        return ApiKeyEditForm if for_update else ApiKeyForm
