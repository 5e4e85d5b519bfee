"""Public URLs: ``path("gdpr-mail/", include("wagtail_gdpr_mail.urls"))``."""

from django.urls import path

from .views import public, self_service

app_name = "wagtail_gdpr_mail"

urlpatterns = [
    path("subscribe/", public.subscribe, name="subscribe"),
    path("confirm/<str:token>/", public.confirm, name="confirm"),
    path("my-data/", self_service.request_link, name="my_data"),
    path("my-data/open/<str:token>/", self_service.open_link, name="my_data_open"),
    path("my-data/manage/", self_service.manage, name="my_data_manage"),
    path("my-data/manage/download/", self_service.download, name="my_data_download"),
    path("my-data/manage/withdraw/<int:pk>/", self_service.withdraw, name="my_data_withdraw"),
    path("my-data/manage/erase/", self_service.erase_me, name="my_data_erase"),
]
