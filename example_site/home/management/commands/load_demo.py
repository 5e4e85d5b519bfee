"""Load the demo content: purposes, a list, contacts, a home page and an admin. Idempotent."""

import os
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from home.models import HomePage
from wagtail_gdpr_mail.assignments import assign_purpose
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
