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
from ..models import Breach, DataProcessingAgreement, Recipient, Subprocessor
from .breach_views import BreachDocumentView, BreachInspectView
from .breaches import format_time_left
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


class NotificationColumn(Column):
    """“Notified on …”, “Not to be notified”, or the time left of the 72 hours."""

    def get_value(self, instance: Breach) -> str:
        if instance.authority_notified_at:
            return gettext("Notified on %(date)s") % {
                "date": format_date(instance.authority_notified_at)
            }
        if instance.risk == "unlikely":
            return gettext("Not to be notified")
        return format_time_left(instance.time_left())


class BreachViewSet(model_labels.LabelledViewSetMixin, SnippetViewSet):
    """The breach register (Art. 33(5)), with revisions: how each entry grew."""

    labels = model_labels.BREACH
    model = Breach
    icon = "warning"
    menu_label = _("Breach register")
    inspect_view_enabled = True
    inspect_view_class = BreachInspectView
    copy_view_enabled = False
    list_display = [
        "title",
        LocalDateColumn(
            "discovered_at", label=_("Found at"), sort_key="discovered_at", with_time=True
        ),
        "risk",
        NotificationColumn("notification", label=_("Authority")),
        BooleanColumn("subjects_informed", label=_("People told")),
    ]
    list_filter = ["risk", "authority_notified", "subjects_informed"]
    search_fields = ["title"]
    panels = [
        FieldPanel("title"),
        MultiFieldPanel(
            [
                FieldPanel("discovered_at"),
                FieldPanel("occurred_from"),
                FieldPanel("occurred_until"),
                FieldPanel("description"),
            ],
            heading=_("What happened"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("data_categories"),
                FieldPanel("subject_categories"),
                FieldPanel("approx_subjects"),
                FieldPanel("approx_records"),
                FieldPanel("affected_segment"),
            ],
            heading=_("Who and what was affected"),
        ),
        MultiFieldPanel(
            [FieldPanel("consequences"), FieldPanel("measures"), FieldPanel("risk")],
            heading=_("Effects and measures"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("authority_notified"),
                FieldPanel("authority_notified_at"),
                FieldPanel("authority_reference"),
                FieldPanel("delay_reasons"),
            ],
            heading=_("Supervisory authority (Art. 33)"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("subjects_informed"),
                FieldPanel("subjects_informed_at"),
                FieldPanel("subjects_informed_how"),
            ],
            heading=_("The people affected (Art. 34)"),
        ),
    ]

    def get_urlpatterns(self):
        conv = getattr(self, "pk_path_converter", "str")
        return [
            *super().get_urlpatterns(),
            path(f"print/<{conv}:pk>/", self.construct_view(BreachDocumentView), name="print"),
            path(
                f"json/<{conv}:pk>/",
                self.construct_view(BreachDocumentView, as_json=True),
                name="json",
            ),
        ]


#: The legal viewsets, for a menu group.
LEGAL_VIEWSETS = (
    DataProcessingAgreementViewSet,
    SubprocessorViewSet,
    RecipientViewSet,
    BreachViewSet,
)
