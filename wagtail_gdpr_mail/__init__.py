"""GDPR-grade consent management for e-mail marketing inside Wagtail."""

__version__ = "0.1.0"
