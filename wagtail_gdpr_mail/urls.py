"""Public URLs: ``path("gdpr-mail/", include("wagtail_gdpr_mail.urls"))``."""

from django.urls import path

from .campaigns import preference_views as preferences
from .campaigns import tracking_views as tracking
from .campaigns import views as campaigns
from .consent import views as lifecycle
from .headers import with_public_headers
from .rights import views as rights
from .subscriptions import views as subscriptions

app_name = "wagtail_gdpr_mail"

#: Every public view answers with the app's security headers (``headers.py``).
urlpatterns = with_public_headers(
    [
        path("subscribe/", subscriptions.subscribe, name="subscribe"),
        path("confirm/<str:token>/", subscriptions.confirm, name="confirm"),
        path("renew/<str:token>/", lifecycle.renew, name="renew"),
        path("object/<str:token>/", lifecycle.object_to_processing, name="object"),
        path(
            "campaigns/unsubscribe/<str:token>/",
            campaigns.campaign_unsubscribe,
            name="campaign_unsubscribe",
        ),
        path("my-data/", rights.request_link, name="my_data"),
        path("my-data/open/<str:token>/", rights.open_link, name="my_data_open"),
        path("my-data/manage/", rights.manage, name="my_data_manage"),
        path("my-data/manage/download/", rights.download, name="my_data_download"),
        path("my-data/manage/withdraw/<int:pk>/", rights.withdraw, name="my_data_withdraw"),
        path("my-data/manage/erase/", rights.erase_me, name="my_data_erase"),
        path("preferences/<str:token>/", preferences.preference_centre, name="preferences"),
        path(
            "preferences/<str:token>/withdraw/<int:pk>/",
            preferences.withdraw,
            name="preferences_withdraw",
        ),
        path(
            "preferences/<str:token>/ask-again/<int:pk>/",
            preferences.ask_again,
            name="preferences_ask_again",
        ),
        path("o/<str:token>/", tracking.open_pixel, name="campaign_open"),
        path("c/<str:token>/<str:target>/", tracking.click, name="campaign_click"),
    ]
)
