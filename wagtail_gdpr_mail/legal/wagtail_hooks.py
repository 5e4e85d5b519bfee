"""Registers the legal paperwork with Wagtail: the ROPA report and the acceptance permission.

Imported by the app's ``wagtail_hooks.py``. The controller and DPO site setting
registers itself with ``@register_setting`` in ``models/legal.py``; the agreements
and sub-processors are in the app's menu group (``viewsets.py``); the audit action
of accepting an agreement belongs with the others in ``audit.ACTIONS``.
"""

from django.contrib.auth.models import Permission
from django.urls import path
from wagtail import hooks

from .views import RopaReportView, ropa_menu_item


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
