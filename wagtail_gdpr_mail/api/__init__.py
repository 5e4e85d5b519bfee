"""The REST API (Django REST framework): contacts, purposes, assignments, rights, segments.

Include it with ``path("gdpr-mail/api/", include("wagtail_gdpr_mail.api.urls"))``.
Clients authenticate with keys made in the admin (``Authorization: Bearer <key>``).
"""
