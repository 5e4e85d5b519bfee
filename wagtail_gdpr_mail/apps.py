from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailGdprMailConfig(AppConfig):
    name = "wagtail_gdpr_mail"
    label = "wagtail_gdpr_mail"
    verbose_name = _("GDPR mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, webhooks  # noqa: F401  (register checks and signal receivers)
