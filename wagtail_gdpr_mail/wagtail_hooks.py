"""Registers the app with Wagtail; the views themselves live in viewsets.py and views/."""

from django.contrib.auth.models import Permission
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import log
from wagtail.snippets.models import register_snippet

from .bulk_actions import EraseContactsBulkAction
from .models import Contact
from .views import admin as admin_views
from .viewsets import ContactPermissionPolicy, GdprMailViewSetGroup, register_permission_policy

if register_permission_policy is not None:
    register_permission_policy(Contact, ContactPermissionPolicy(Contact))
register_snippet(GdprMailViewSetGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "gdpr-mail/contacts/<int:pk>/assign/",
            admin_views.assign_to_contact,
            name="wagtail_gdpr_mail_contact_assign",
        ),
        path(
            "gdpr-mail/assignments/<int:pk>/revoke/",
            admin_views.revoke,
            name="wagtail_gdpr_mail_revoke",
        ),
        path(
            "gdpr-mail/contacts/<int:pk>/export/",
            admin_views.export_contact,
            name="wagtail_gdpr_mail_contact_export",
        ),
        path(
            "gdpr-mail/contacts/<int:pk>/erase/",
            admin_views.erase_contact,
            name="wagtail_gdpr_mail_contact_erase",
        ),
        path(
            "gdpr-mail/lists/<int:pk>/assign/",
            admin_views.assign_to_list,
            name="wagtail_gdpr_mail_list_assign",
        ),
    ]


# After Wagtail's own snippet actions, so that it replaces "delete" for contacts.
hooks.register("register_bulk_action", EraseContactsBulkAction, order=100)


@hooks.register("after_edit_snippet")
def audit_rectification(request, instance):
    """Editing personal fields is audited: which fields changed, never their values."""
    changed = getattr(instance, "_gdpr_mail_changed_fields", None)
    if isinstance(instance, Contact) and changed:
        log(instance, "wagtail_gdpr_mail.rectify", user=request.user, data={"fields": changed})


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(
        content_type__app_label="wagtail_gdpr_mail",
        codename__in=[
            "view_consent_proof",
            "export_contact",
            "erase_contact",
            "add_purposeassignment",
            "change_purposeassignment",
        ],
    )


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(
        "wagtail_gdpr_mail.view_contact", _("View contact"), _("Contact viewed")
    )
    actions.register_action(
        "wagtail_gdpr_mail.assign_purpose", _("Assign purpose"), _("Purpose assigned")
    )
    actions.register_action(
        "wagtail_gdpr_mail.revoke_purpose", _("Revoke purpose"), _("Purpose revoked")
    )
    actions.register_action("wagtail_gdpr_mail.export", _("Export contact"), _("Contact exported"))
    actions.register_action("wagtail_gdpr_mail.erase", _("Erase contact"), _("Contact erased"))
    actions.register_action(
        "wagtail_gdpr_mail.rectify", _("Rectify contact"), _("Personal data corrected")
    )
    actions.register_action(
        "wagtail_gdpr_mail.withdraw", _("Withdraw purpose"), _("Purpose withdrawn by the contact")
    )
    actions.register_action(
        "wagtail_gdpr_mail.confirm_signup",
        _("Confirm subscription"),
        _("Subscription confirmed by the contact (double opt-in)"),
    )
    actions.register_action(
        "wagtail_gdpr_mail.assign_purpose_to_list",
        _("Assign purpose to list"),
        _("Purpose assigned to every contact of the list"),
    )


from .legal import wagtail_hooks as legal_hooks  # noqa: E402, F401
