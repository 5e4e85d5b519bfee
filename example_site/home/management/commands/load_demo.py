"""Load the demo content: purposes, a list, contacts, a home page and an admin. Idempotent."""

import os
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from home.models import HomePage
from wagtail_gdpr_mail.blocks import SubscriptionFormBlock
from wagtail_gdpr_mail.campaigns.demo import demo_campaign
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import (
    Contact,
    ContactList,
    ContactSource,
    LegalBasis,
    ListMembership,
    ProcessingPurpose,
    RetentionUnit,
)

PURPOSES = [
    {
        "name": "Newsletter",
        "basis": "consent",
        "retention": (3, RetentionUnit.YEARS),
        "visitor_text": "We will send you our newsletter with news and offers about once a month. "
        "You can withdraw your consent at any time through the link in every e-mail.",
        "internal_note": "E-mail address, first name.",
        "revocable": True,
    },
    {
        "name": "Competition results",
        "basis": "consent",
        "retention": (6, RetentionUnit.MONTHS),
        "visitor_text": "We will tell you the results of our competitions.",
        "internal_note": "",
        "revocable": True,
    },
    {
        "name": "Customer service messages",
        "basis": "legitimate_interest",
        "retention": (5, RetentionUnit.YEARS),
        "visitor_text": "Messages about products and services you bought from us.",
        "internal_note": "Order numbers.",
        "revocable": False,
    },
    {
        "name": "Invoices",
        "basis": "legal_obligation",
        "retention": (10, RetentionUnit.YEARS),
        "visitor_text": "Invoices we must keep by law.",
        "internal_note": "Billing address, company ID.",
        "revocable": False,
    },
]

CONTACTS = [
    ("jana.novakova@example.com", "Jana", "Nováková", {"city": "Brno"}),
    ("petr.svoboda@example.com", "Petr", "Svoboda", {"city": "Praha"}),
    ("eva.dvorakova@example.com", "Eva", "Dvořáková", {}),
]


class Command(BaseCommand):
    help = (
        "Load the demo content (idempotent): purposes, a list, contacts, the home page, an admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--admin-username", default="admin")

    @transaction.atomic
    def handle(self, *args, **options):
        purposes = {}
        for spec in PURPOSES:
            amount, unit = spec["retention"]
            purpose, created = ProcessingPurpose.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "legal_basis": LegalBasis.objects.get(code=spec["basis"]),
                    "retention_amount": amount,
                    "retention_unit": unit,
                    "visitor_text": spec["visitor_text"],
                    "internal_note": spec["internal_note"],
                    "revocable_by_unsubscribe": spec["revocable"],
                },
            )
            if created:
                purpose.save_revision(log_action=False)
            purposes[spec["name"]] = purpose

        newsletter_list, _ = ContactList.objects.get_or_create(
            name="Newsletter subscribers",
            defaults={"description": "Everyone who reads our newsletter."},
        )
        ContactList.objects.get_or_create(
            name="Customers", defaults={"description": "People who bought from us."}
        )

        for days_ago, (email, first, last, custom) in enumerate(CONTACTS):
            if Contact.objects.by_email(email).exists():
                continue
            joined = timezone.now() - timedelta(days=30 * (days_ago + 1))
            contact = Contact.objects.create(
                email=email,
                first_name=first,
                last_name=last,
                custom_fields=custom,
                source=ContactSource.IMPORT,
                created_at=joined,
            )
            ListMembership.objects.create(
                contact=contact, contact_list=newsletter_list, added_at=joined
            )
            if days_ago < 2:
                assign_purpose(
                    contact, purposes["Newsletter"], source=ContactSource.IMPORT, valid_from=joined
                )

        self._home_page()
        self._admin(options["admin_username"])
        self._legal()
        self._subscription_form(purposes, newsletter_list)
        demo_campaign(purposes["Newsletter"], newsletter_list)

    def _home_page(self):
        if HomePage.objects.exists():
            return
        # Wagtail's own migration leaves a placeholder page (slug "home") and a
        # site pointing at it; the demo replaces both.
        Page.objects.filter(depth=2).delete()
        root = Page.get_first_root_node()
        home = HomePage(
            title="Welcome",
            slug="home",
            body=[
                ("heading", "Our newsletter"),
                (
                    "paragraph",
                    RichText(
                        "<p>This demo site shows wagtail-gdpr-mail. Sign in to the admin to "
                        "manage purposes, lists and contacts.</p>"
                    ),
                ),
            ],
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        Site.objects.create(
            hostname="localhost", port=8000, root_page=home, is_default_site=True, site_name="Demo"
        )

    def _subscription_form(self, purposes, contact_list):
        """Put a subscription form on the home page (once)."""
        from home.models import StandardPage

        home = HomePage.objects.first().specific
        if any(block.block_type == "subscription_form" for block in home.body):
            return
        home.body.append(
            (
                "subscription_form",
                {
                    "heading": "Subscribe to our newsletter",
                    "intro": RichText("<p>News and offers about once a month.</p>"),
                    "ask_first_name": True,
                    "ask_last_name": False,
                    "main_purpose": purposes["Newsletter"],
                    "extra_purposes": [purposes["Competition results"]],
                    "info_text": RichText(
                        "<p>Demo Shop s.r.o. (the controller) processes your e-mail address "
                        "and first name for the purposes you choose, for the time stated. You "
                        "can withdraw your consent at any time through the link in every "
                        "e-mail.</p>"
                    ),
                    "privacy_page": StandardPage.objects.filter(slug="privacy").first(),
                    "privacy_url": "",
                    "target_list": contact_list,
                    "submit_label": "Subscribe",
                    "success_message": "Thank you. Please check your mailbox and confirm your "
                    "subscription.",
                    "mail_subject": "Please confirm your subscription",
                    "mail_body": str(
                        SubscriptionFormBlock().child_blocks["mail_body"].get_default()
                    ),
                    "form_id": uuid.uuid4().hex,
                },
            )
        )
        home.save_revision().publish()

    def _admin(self, username):
        # A fresh password on every run, printed, so re-running `make demo` always
        # tells you how to sign in.
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            User.objects.create_superuser(username, "admin@example.com", password)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        self.stdout.write(
            self.style.SUCCESS(f"Demo admin: username '{username}', password '{password}'")
        )

    def _legal(self):
        """Controller and DPO details, a sample DPA, sub-processors and the pages showing them."""
        from datetime import date

        from home.models import StandardPage
        from wagtail_gdpr_mail.legal.agreements import new_agreement_initial
        from wagtail_gdpr_mail.legal.controller import get_controller
        from wagtail_gdpr_mail.models import (
            DataProcessingAgreement,
            Subprocessor,
            TransferSafeguard,
        )

        site = Site.objects.get(is_default_site=True)
        home = site.root_page

        pages = {}
        for slug, title, intro in [
            (
                "privacy",
                "Privacy policy",
                "<p>Demo Shop s.r.o. processes your e-mail address only for the purposes you "
                "agree to when you subscribe. You can withdraw your consent at any time through "
                "the link in every e-mail. Our data protection officer is Jan Dvořák, "
                "dpo@example.com.</p>",
            ),
            ("sub-processors", "Sub-processors", "<p>These companies process data for us.</p>"),
        ]:
            page = StandardPage.objects.filter(slug=slug).first()
            if page is None:
                page = StandardPage(
                    title=title,
                    slug=slug,
                    body=[
                        ("paragraph", RichText(intro)),
                        (
                            "subprocessors",
                            {
                                "heading": "Who processes your data for us",
                                "intro": RichText(""),
                                "show_data_categories": True,
                            },
                        ),
                    ],
                )
                home.add_child(instance=page)
                page.save_revision().publish()
            pages[slug] = page

        controller = get_controller(site)
        if not controller.controller_name:
            controller.controller_name = "Demo Shop s.r.o."
            controller.controller_address = "Náměstí Svobody 1\n602 00 Brno\nCzech Republic"
            controller.controller_company_id = "12345678"
            controller.controller_email = "privacy@example.com"
            controller.dpo_name = "Jan Dvořák"
            controller.dpo_email = "dpo@example.com"
            controller.dpo_phone = "+420 555 123 456"
            controller.privacy_policy_page = pages["privacy"]
            controller.data_subject_categories = (
                "Newsletter subscribers, customers and people who entered our competitions."
            )
            controller.security_measures = (
                "Personal data encrypted at rest (AES-256-GCM) and in transit (TLS); access to the "
                "admin only for named staff with two-factor sign-in; audit log of every view, "
                "export and erasure; daily encrypted backups kept for 30 days."
            )
            controller.save()

        agreement = DataProcessingAgreement.objects.filter(
            processor_name="Example Mail Inc."
        ).first()
        if agreement is None:
            initial = new_agreement_initial(site)
            agreement = DataProcessingAgreement.objects.create(
                **initial
                | {
                    "title": "Data processing agreement with Example Mail Inc.",
                    "processor_name": "Example Mail Inc.",
                    "processor_details": "500 Market Street, San Francisco, CA 94105, "
                    "United States\nprivacy@mail.example",
                    "effective_date": date(2025, 1, 1),
                    "subject_matter": "Sending the controller's newsletters and service e-mails, "
                    "and reporting their delivery.",
                    "duration": "For the term of the service contract, until the personal data "
                    "is deleted or returned.",
                    "nature_of_processing": "Storing contact data, sending e-mail, recording "
                    "deliveries, bounces and complaints, deleting.",
                    "purpose_of_processing": "Delivering the controller's e-mail to its contacts.",
                    "personal_data_categories": "E-mail address, first name, delivery events "
                    "(time, IP address and browser of opens and clicks).",
                    "data_subject_categories": "Newsletter subscribers and customers of the "
                    "controller.",
                    "international_transfers": initial["international_transfers"]
                    + "\nThe processor stores and sends the data in the United States under the "
                    "standard contractual clauses of Commission Implementing Decision (EU) "
                    "2021/914, module two (controller to processor).",
                }
            )
            agreement.save_revision(log_action=False)

        for order, (name, defaults) in enumerate(
            [
                (
                    "Example Hosting s.r.o.",
                    {
                        "service": "Web and database hosting",
                        "data_categories": "All data of the site, encrypted at rest.",
                        "country": "CZ",
                        "transfer_safeguard": TransferSafeguard.NONE_NEEDED,
                    },
                ),
                (
                    "Example Mail Inc.",
                    {
                        "service": "Sending e-mail (ESP)",
                        "data_categories": "E-mail address, first name, delivery events.",
                        "country": "US",
                        "transfer_safeguard": TransferSafeguard.SCC,
                        "safeguard_note": "Standard contractual clauses 2021/914, module two.",
                        "agreement": agreement,
                        "agreement_url": "https://mail.example/legal/dpa",
                    },
                ),
                (
                    "Example Backup AG",
                    {
                        "service": "Off-site backups",
                        "data_categories": "Encrypted database backups.",
                        "country": "CH",
                        "transfer_safeguard": TransferSafeguard.ADEQUACY,
                    },
                ),
            ]
        ):
            Subprocessor.objects.get_or_create(
                name=name, defaults={**defaults, "sort_order": order}
            )
