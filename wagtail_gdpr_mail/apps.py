from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailGdprMailConfig(AppConfig):
    name = "wagtail_gdpr_mail"
    label = "wagtail_gdpr_mail"
    verbose_name = _("GDPR mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready (they use models): system checks,
        # the Anymail signal receivers, and the Celery tasks, so that the outbox can
        # find every send task by name even where Celery's autodiscovery is not used;
        # the receivers that keep config_cache current; and the custom-field index
        # kept up to date on every contact save.
        from . import checks, config_cache, receivers, tasks  # noqa: F401
        from .segments import custom_fields  # noqa: F401
