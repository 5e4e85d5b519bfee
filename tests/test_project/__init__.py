"""The tests' own small Wagtail project: one page model, one template, its own settings.

Independent of the example site, so changing the demo never breaks the suite.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
