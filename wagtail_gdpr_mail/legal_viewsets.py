"""Admin viewsets of the legal paperwork: data processing agreements and sub-processors.

``LEGAL_VIEWSETS`` is meant for the app's menu group in ``viewsets.py``;
``legal_hooks.py`` registers them in a "Legal" group of their own until they
are there.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import DataProcessingAgreement, Subprocessor
from .views.legal import (
    AcceptanceStatusColumn,
    DataProcessingAgreementForm,
    DpaAcceptView,
    DpaDeleteView,
    DpaDocumentView,
    DpaInspectView,
)


class DataProcessingAgreementViewSet(SnippetViewSet):
    model = DataProcessingAgreement
    icon = "doc-full"
    menu_label = _("Processing agreements")
    inspect_view_enabled = True
    inspect_view_class = DpaInspectView
    delete_view_class = DpaDeleteView
    list_display = [
        "title",
        "processor_name",
        AcceptanceStatusColumn("acceptance", label=_("This version")),
        UpdatedAtColumn(),
    ]
    search_fields = ["title", "processor_name"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        DataProcessingAgreement.panels, base_form_class=DataProcessingAgreementForm
    )

    def get_urlpatterns(self):
        # Wagtail 8 has pk_path_converter; 7.0 uses str everywhere.
        conv = getattr(self, "pk_path_converter", "str")
        return [
            *super().get_urlpatterns(),
            path(
                f"accept/<{conv}:pk>/",
                self.construct_view(DpaAcceptView),
                name="accept",
            ),
            path(
                f"print/<{conv}:pk>/",
                self.construct_view(DpaDocumentView),
                name="print",
            ),
            path(
                f"download/<{conv}:pk>/",
                self.construct_view(DpaDocumentView, download=True),
                name="download",
            ),
        ]


class SubprocessorViewSet(SnippetViewSet):
    model = Subprocessor
    icon = "globe"
    menu_label = _("Sub-processors")
    list_display = [
        "name",
        "service",
        Column("country_name", label=_("Country")),
        BooleanColumn("leaves_eea", label=_("Leaves the EU/EEA")),
        Column("transfer_basis", label=_("Transfer safeguard")),
    ]
    list_filter = ["transfer_safeguard"]
    search_fields = ["name", "service"]


#: The legal viewsets, for a menu group.
LEGAL_VIEWSETS = (DataProcessingAgreementViewSet, SubprocessorViewSet)
