"""API tests: keys with chosen scopes, and a client that speaks JSON with a key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, TestCase

from wagtail_gdpr_mail.models import ApiKey, ApiScope

PREFIX = "/gdpr-mail/api/"
ALL_SCOPES = [scope.value for scope in ApiScope]


class ApiClient:
    """JSON in, JSON out, ``Authorization: Bearer <key>`` on every call."""

    def __init__(self, key: str | None) -> None:
        self.key = key
        self.client = Client()

    def call(
        self,
        method: str,
        path: str,
        data: Any = None,
        *,
        raw: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ):
        url = path if path.startswith("/") else PREFIX + path
        all_headers = dict(headers or {})
        if self.key is not None:
            all_headers.setdefault("Authorization", f"Bearer {self.key}")
        body = raw if raw is not None else (json.dumps(data) if data is not None else None)
        kwargs: dict[str, Any] = {"headers": all_headers}
        if body is not None:
            kwargs.update(data=body, content_type=content_type)
        # After-commit callbacks run, as they would outside the test's transaction
        # (the eager mail task).
        with TestCase.captureOnCommitCallbacks(execute=True):
            return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any):
        return self.call("POST", path, data, **kwargs)

    def patch(self, path: str, data: Any = None, **kwargs: Any):
        return self.call("PATCH", path, data, **kwargs)


def make_key(scopes=ALL_SCOPES, **fields: Any) -> tuple[ApiKey, str]:
    api_key = ApiKey(name=fields.pop("name", "Shop"), scopes=list(scopes), **fields)
    raw = api_key.issue()
    api_key.save()
    return api_key, raw


@pytest.fixture
def key_factory(db):
    return make_key


@pytest.fixture
def api(db) -> ApiClient:
    """A client whose key holds every scope."""
    _key, raw = make_key()
    return ApiClient(raw)


@pytest.fixture
def api_as(db):
    def client(*scopes: str) -> ApiClient:
        _key, raw = make_key(list(scopes))
        return ApiClient(raw)

    return client


def assert_problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    return body
