"""Subscription forms and the double opt-in.

- :mod:`.blocks` — the StreamField block, and finding it on a live page.
- :mod:`.forms` — the form the visitor fills, and its snapshot kept as evidence.
- :mod:`.signup` — submit (pending signup, quiet period) and confirm (exactly once).
- :mod:`.views`, :mod:`.tasks` — HTTP and the confirmation mail.
"""
