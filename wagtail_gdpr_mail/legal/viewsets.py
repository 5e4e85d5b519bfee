"""Admin viewsets of the legal paperwork: data processing agreements and sub-processors.

``LEGAL_VIEWSETS`` is meant for the app's menu group in ``viewsets.py``. The edit
forms' panels are declared here, with the rest of the admin's view of them.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.views.snippets import SnippetViewSet

from ..admin import labels as model_labels
from ..admin.columns import LocalDateColumn
from ..dates import format_date
from ..models import DataProcessingAgreement, Recipient, Subprocessor
from .forms import DataProcessingAgreementForm
from .views import DpaAcceptView, DpaDeleteView, DpaDocumentView, DpaInspectView


class AcceptanceStatusColumn(Column):
    """Whether the agreement as it is now is accepted, and by whom and when."""

    def get_value(self, instance: DataProcessingAgreement) -> str:
        acceptance = instance.current_acceptance()
        if acceptance is None:
            return gettext("Not accepted")
        return gettext("Accepted by %(name)s on %(date)s") % {
            "name": acceptance.accepted_by_name,
            "date": format_date(acceptance.accepted_at),
        }


#: The edit form of an agreement, in the order of Art. 28(3).
DPA_PANELS = [
    FieldPanel("title"),
    MultiFieldPanel(
        [
            FieldPanel("controller_details"),
            FieldPanel("processor_name"),
            FieldPanel("processor_details"),
            FieldPanel("effective_date"),
        ],
        heading=_("Parties"),
    ),
    MultiFieldPanel(
        [
            FieldPanel("subject_matter"),
            FieldPanel("duration"),
            FieldPanel("nature_of_processing"),
            FieldPanel("purpose_of_processing"),
            FieldPanel("personal_data_categories"),
            FieldPanel("data_subject_categories"),
        ],
        heading=_("Subject matter, duration, nature and purpose"),
    ),
    MultiFieldPanel(
        [
            FieldPanel("instructions"),
            FieldPanel("confidentiality"),
            FieldPanel("security_measures"),
            FieldPanel("subprocessing"),
            FieldPanel("data_subject_rights"),
            FieldPanel("controller_assistance"),
            FieldPanel("end_of_processing"),
            FieldPanel("audits"),
        ],
        heading=_("Obligations of the processor"),
    ),
    FieldPanel("international_transfers"),
    FieldPanel("further_terms"),
]


class DataProcessingAgreementViewSet(model_labels.LabelledViewSetMixin, SnippetViewSet):
    labels = model_labels.AGREEMENT
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
        # Wagtail's UpdatedAtColumn says "3 days ago", its tooltip "Dec. 2, 2026".
        LocalDateColumn("_updated_at", label=_("Updated"), sort_key="_updated_at", with_time=True),
    ]
    search_fields = ["title", "processor_name"]
    copy_view_enabled = False
    edit_handler = ObjectList(DPA_PANELS, base_form_class=DataProcessingAgreementForm)

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


class SubprocessorViewSet(model_labels.LabelledViewSetMixin, SnippetViewSet):
    labels = model_labels.SUBPROCESSOR
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
    panels = [
        FieldPanel("name"),
        FieldPanel("service"),
        FieldPanel("data_categories"),
        FieldPanel("purposes"),
        MultiFieldPanel(
            [
                FieldPanel("country"),
                FieldPanel("transfer_safeguard"),
                FieldPanel("within_adequacy_scope"),
                FieldPanel("safeguard_note"),
            ],
            heading=_("Where the data goes"),
        ),
        MultiFieldPanel(
            [FieldPanel("agreement"), FieldPanel("agreement_url")],
            heading=_("Data processing agreement"),
        ),
        FieldPanel("sort_order"),
    ]


class RecipientViewSet(model_labels.LabelledViewSetMixin, SnippetViewSet):
    labels = model_labels.RECIPIENT
    """Recipients that are not processors (authorities, advisers, other controllers)."""

    model = Recipient
    icon = "group"
    menu_label = _("Other recipients")
    list_display = ["name", "kind", Column("country_name", label=_("Country"))]
    list_filter = ["kind"]


#: The legal viewsets, for a menu group.
LEGAL_VIEWSETS = (DataProcessingAgreementViewSet, SubprocessorViewSet, RecipientViewSet)
