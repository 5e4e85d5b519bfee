"""Stable import path of the subscription form block (named by sites' models and migrations).

The block lives in :mod:`wagtail_gdpr_mail.subscriptions.blocks`.
"""

from .subscriptions.blocks import SubscriptionFormBlock

__all__ = ["SubscriptionFormBlock"]
