"""Data-subject rights: access and portability (export), erasure, and self-service.

- :mod:`.export` — everything held about a contact as versioned JSON, with receipts.
- :mod:`.erasure` — delete or anonymise, with suppression and audit.
- :mod:`.access` — the visitor's "my data" link: request, open, the short session.
"""
