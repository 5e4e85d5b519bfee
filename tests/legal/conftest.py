"""Fixtures of the legal tests."""

from __future__ import annotations

import pytest

from tests.helpers.controller import DEMO_SHOP, configure_controller


@pytest.fixture
def controller(db):
    return configure_controller(**DEMO_SHOP, security_measures="Encryption at rest and in transit.")
