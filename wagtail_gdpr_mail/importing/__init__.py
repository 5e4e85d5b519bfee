"""Importing contacts with their purposes from CSV and XLSX files.

``parsing`` reads a file as rows of text (streaming, guarded against bad files),
``run`` maps the rows to contacts and works an :class:`~wagtail_gdpr_mail.models.ImportJob`
off in resumable batches (the dry run is the same work, rolled back), ``views`` and
``tasks`` serve the admin, and ``gdpr_mail_import`` the command line.
"""
