from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/two-factor/", include("wagtail_gdpr_mail.twofactor.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("gdpr-mail/api/", include("wagtail_gdpr_mail.api.urls")),
    path("gdpr-mail/", include("wagtail_gdpr_mail.urls")),
    path("anymail/", include("anymail.urls")),
    path("", include(wagtail_urls)),
]
