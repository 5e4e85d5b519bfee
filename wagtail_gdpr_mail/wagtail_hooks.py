"""Registers the app with Wagtail; the views themselves live in the feature packages."""

from django.contrib.auth.models import Permission
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from . import audit
from .admin.bulk_actions import EraseContactsBulkAction
from .admin.dashboard import add_unsent_mail_panel
from .admin.deletion import refuse_bulk_delete_in_use
from .admin.labels import LabelledDeleteBulkAction
from .admin.list_bulk_actions import AddToListBulkAction, RemoveFromListBulkAction
from .admin.permissions import ACTION_PERMISSIONS, policy_for, register_permission_policy
from .admin.retention import due_for_erasure_menu_item, due_for_erasure_urls
from .admin.revoke import RevokePurposeBulkAction
from .admin.viewsets import GdprMailViewSetGroup
from .models import Campaign, Contact, ContactList, ProcessingPurpose
from .segments.bulk_actions import PurposeBulkAction

if register_permission_policy is not None:  # Wagtail 8; on 7.0 the viewsets carry it
    for _model in (Contact, ContactList, ProcessingPurpose, Campaign):
        register_permission_policy(_model, policy_for(_model))
register_snippet(GdprMailViewSetGroup)

# After Wagtail's own snippet actions, so that it replaces "delete" for contacts.
hooks.register("register_bulk_action", EraseContactsBulkAction, order=100)
hooks.register("register_bulk_action", LabelledDeleteBulkAction, order=100)
hooks.register("register_bulk_action", RevokePurposeBulkAction)
hooks.register("register_bulk_action", AddToListBulkAction)
hooks.register("register_bulk_action", RemoveFromListBulkAction)
hooks.register("register_bulk_action", PurposeBulkAction)
hooks.register("register_log_actions", audit.register_actions)
hooks.register("before_delete_snippet", refuse_bulk_delete_in_use)
hooks.register("construct_homepage_panels", add_unsent_mail_panel)
hooks.register("register_admin_urls", due_for_erasure_urls)
hooks.register("register_reports_menu_item", due_for_erasure_menu_item)


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(
        content_type__app_label="wagtail_gdpr_mail", codename__in=ACTION_PERMISSIONS.values()
    )


from .legal import wagtail_hooks as legal_hooks  # noqa: E402, F401
