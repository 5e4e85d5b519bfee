"""A minimal Django project around django-newsletter, for ``benchmarks/subscribe.py`` only."""
