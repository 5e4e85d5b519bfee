"""Helpers shared by the test suite: one home for each, imported by the conftest files
and the test modules (fixtures stay in conftest.py files).

- ``services``: ``need()`` (skip, or fail in CI), Chromium's path, Redis, PostgreSQL.
- ``dumps``: the raw SQLite and ``pg_dump`` contents of the test database.
- ``html_forms``: the forms of a page, read as a browser would send them.
- ``links``: the links in the mails (confirmation, "my data").
- ``users``: admin users with exactly the permissions a test needs.
- ``browser``: Chromium through Playwright, with its flags.
- ``rate_limits``: clearing the rate-limit counters.
- ``pages``: a live page of the test project, served by the default site.
- ``subscribing``: a visitor who fills in a subscription form like a person.
- ``mail_backends``: e-mail backends that fail or dawdle on purpose.
- ``tampering``: one changed character in a stored value.
- ``personal_data``: what the rights tests look for in the database and its dumps.
- ``keygen``: ``python -m wagtail_gdpr_mail.keygen`` as a shell runs it, and fresh keys.
- ``controller``: the controller settings filled in as a test needs them.
- ``mail_files``: mail as Django's file backend wrote it (from a worker process).
- ``processes``: background subprocesses (a Celery worker, a server) and ``wait_for()``.
- ``packaging``: the wheel and the sdist, built from a copy of the working tree.
"""
