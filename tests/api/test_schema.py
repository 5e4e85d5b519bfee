"""The schema the app serves, and an API that a site's REST_FRAMEWORK setting cannot change."""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import assert_problem

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/vnd.oai.openapi+json"}
HOSTILE = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.FormParser"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "1/day"},
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "DEFAULT_SCHEMA_CLASS": "rest_framework.schemas.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
}


def test_the_schema_is_openapi_3_of_the_api_only():
    response = Client().get("/gdpr-mail/api/schema/", headers=JSON)
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/gdpr-mail/api/contacts/",
        "/gdpr-mail/api/contacts/lookup/",
        "/gdpr-mail/api/contacts/{id}/",
        "/gdpr-mail/api/contacts/{id}/assignments/{assignment_pk}/revoke/",
        "/gdpr-mail/api/contacts/{id}/export/",
        "/gdpr-mail/api/contacts/{id}/erase/",
        "/gdpr-mail/api/purposes/",
        "/gdpr-mail/api/legal-bases/",
        "/gdpr-mail/api/segments/{id}/members/",
    }
    assert all(path.startswith("/gdpr-mail/api/") for path in schema["paths"])
    assert "/gdpr-mail/api/schema/" not in schema["paths"]
    create = schema["paths"]["/gdpr-mail/api/contacts/"]["post"]
    assert {"201", "202", "400", "401", "403", "409", "429"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["400"]["content"]
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


def test_a_sites_rest_framework_settings_change_nothing(settings, api, contact):
    settings.REST_FRAMEWORK = HOSTILE
    response = api.get(f"contacts/{contact.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert api.post("contacts/", {"email": "new@example.com"}).status_code == 201
    assert_problem(api.post("contacts/", {"email": "new@example.com", "x": 1}), 400)
    assert api.get("purposes/").json()["results"] == []
    schema = Client().get("/gdpr-mail/api/schema/", headers=JSON)
    assert schema.status_code == 200 and schema.json()["paths"]
