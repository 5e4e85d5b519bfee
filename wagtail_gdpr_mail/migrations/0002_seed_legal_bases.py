from django.db import migrations
from django.utils.translation import gettext_noop as _

# The six lawful bases of GDPR Art. 6(1). Titles and descriptions are stored in
# English and shown through the message catalogue, so a Czech admin reads them
# in Czech until an editor rewrites them.
LEGAL_BASES = [
    (
        "consent",
        _("Consent"),
        "Art. 6(1)(a) GDPR",
        _("The data subject has given consent to the processing for one or more specific purposes."),
    ),
    (
        "contract",
        _("Performance of a contract"),
        "Art. 6(1)(b) GDPR",
        _("Processing is necessary for a contract with the data subject or for steps "
          "they asked for before entering into one."),
    ),
    (
        "legal_obligation",
        _("Legal obligation"),
        "Art. 6(1)(c) GDPR",
        _("Processing is necessary for compliance with a legal obligation of the controller."),
    ),
    (
        "vital_interest",
        _("Vital interests"),
        "Art. 6(1)(d) GDPR",
        _("Processing is necessary to protect the vital interests of the data subject "
          "or of another natural person."),
    ),
    (
        "public_task",
        _("Public task"),
        "Art. 6(1)(e) GDPR",
        _("Processing is necessary for a task carried out in the public interest or in "
          "the exercise of official authority vested in the controller."),
    ),
    (
        "legitimate_interest",
        _("Legitimate interests"),
        "Art. 6(1)(f) GDPR",
        _("Processing is necessary for the legitimate interests of the controller or a "
          "third party, unless overridden by the interests or rights of the data subject."),
    ),
]


def seed(apps, schema_editor):
    LegalBasis = apps.get_model("wagtail_gdpr_mail", "LegalBasis")
    for code, title, article, description in LEGAL_BASES:
        LegalBasis.objects.get_or_create(
            code=code, defaults={"title": title, "article": article, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("wagtail_gdpr_mail", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
