"""schemathesis against the schema the app serves: no 500, answers as documented.

Every operation is fuzzed with valid input (positive: every answer must match the
schema) and invalid input (negative: never a 500), through the WSGI app itself.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wagtail_gdpr_mail.consent.assignments import assign_purpose

from .conftest import make_key

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/gdpr-mail/api/schema/"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 30


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, minus what Django's test client also leaves out:
    closing the database connection after each request (the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(settings, wsgi_app, contact, purpose, make_contact):
    settings.WAGTAIL_GDPR_MAIL_API_RATE_LIMIT = (100000, 60)
    # A few rows, so that generated ids sometimes find one.
    assign_purpose(contact, purpose, source="admin")
    for _ in range(3):
        make_contact()
    return schemathesis.openapi.from_wsgi(
        SCHEMA_URL,
        wsgi_app,
        headers={"Accept": "application/vnd.oai.openapi+json"},
    )


def operations(schema):
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 14
    return found


def fuzz(operation, mode: GenerationMode, checks, headers) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    run()


def test_valid_input_gets_documented_answers(api_schema):
    _key, raw = make_key()
    headers = {"Authorization": f"Bearer {raw}"}
    for operation in operations(api_schema):
        fuzz(operation, GenerationMode.POSITIVE, CHECKS, headers)


def test_invalid_input_never_gets_a_500(api_schema):
    _key, raw = make_key()
    headers = {"Authorization": f"Bearer {raw}"}
    for operation in operations(api_schema):
        fuzz(operation, GenerationMode.NEGATIVE, [not_a_server_error], headers)


def test_without_a_key_every_operation_answers_401(api_schema):
    for operation in operations(api_schema):
        fuzz(operation, GenerationMode.POSITIVE, [not_a_server_error], {})
