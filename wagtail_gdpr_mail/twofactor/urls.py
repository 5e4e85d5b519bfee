"""``path("two-factor/", include("wagtail_gdpr_mail.twofactor.urls"))``."""

from django.urls import path

from . import views

app_name = "gdpr_mail_twofactor"

urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
]
