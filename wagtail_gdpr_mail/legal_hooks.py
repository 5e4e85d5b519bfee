"""Registers the legal paperwork with Wagtail: the ROPA report, permissions, log actions.

Imported by ``wagtail_hooks.py``; the controller and DPO site setting registers
itself with ``@register_setting`` in ``models/legal.py``.
"""

from django.contrib.auth.models import Permission
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .views.legal import RopaReportView, ropa_menu_item


@hooks.register("register_admin_urls")
def register_legal_admin_urls():
    return [
        path(
            "gdpr-mail/record-of-processing/",
            RopaReportView.as_view(),
            name="wagtail_gdpr_mail_ropa",
        ),
        path(
            "gdpr-mail/record-of-processing/results/",
            RopaReportView.as_view(results_only=True),
            name="wagtail_gdpr_mail_ropa_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_ropa_menu_item():
    return ropa_menu_item()


@hooks.register("register_permissions")
def register_legal_permissions():
    return Permission.objects.filter(
        content_type__app_label="wagtail_gdpr_mail",
        codename="accept_dataprocessingagreement",
    )


@hooks.register("register_log_actions")
def register_legal_log_actions(actions):
    actions.register_action(
        "wagtail_gdpr_mail.accept_dpa",
        _("Accept data processing agreement"),
        _("Data processing agreement accepted"),
    )
