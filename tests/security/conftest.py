"""Fixtures of the security tests: the subscription tests' live page with a form."""

from tests.subscriptions.conftest import no_fill_delay, subscription_page  # noqa: F401
