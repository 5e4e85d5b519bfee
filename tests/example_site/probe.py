"""Run by ``test_smoke.py`` inside the example site (``DJANGO_SETTINGS_MODULE=example_site.settings``):
browse it with Django's test client and report, as JSON on stdout, what a user sees."""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT / "example_site"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from home.models import StandardPage  # noqa: E402
from wagtail_gdpr_mail.models import (  # noqa: E402
    DataProcessingAgreement,
    ProcessingPurpose,
    Subprocessor,
)

client = Client()
pages = {}
for path in ["/", "/admin/login/", "/privacy/", "/gdpr-mail/my-data/"]:
    response = client.get(path)
    pages[path] = {"status": response.status_code, "html": response.content.decode()}

json.dump(
    {
        "pages": pages,
        "purposes": sorted(ProcessingPurpose.objects.values_list("name", flat=True)),
        "subprocessors": Subprocessor.objects.count(),
        "agreements": DataProcessingAgreement.objects.count(),
        "sub_processor_pages": StandardPage.objects.filter(slug="sub-processors").count(),
    },
    sys.stdout,
)
