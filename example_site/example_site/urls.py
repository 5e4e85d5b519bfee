from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    # Two-factor sign-in (TOTP and recovery codes) before the admin opens.
    path("admin/two-factor/", include("wagtail_gdpr_mail.twofactor.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The REST API (keys are made in the admin: GDPR mail → API keys).
    path("gdpr-mail/api/", include("wagtail_gdpr_mail.api.urls")),
    path("gdpr-mail/", include("wagtail_gdpr_mail.urls")),
    # ESP tracking webhooks (bounces, complaints), authenticated by ANYMAIL WEBHOOK_SECRET.
    path("anymail/", include("anymail.urls")),
    path("", include(wagtail_urls)),
]
if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
