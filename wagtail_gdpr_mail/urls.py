"""Public URLs: ``path("gdpr-mail/", include("wagtail_gdpr_mail.urls"))``."""

from django.urls import path

from .views import public

app_name = "wagtail_gdpr_mail"

urlpatterns = [
    path("subscribe/", public.subscribe, name="subscribe"),
    path("confirm/<str:token>/", public.confirm, name="confirm"),
]
