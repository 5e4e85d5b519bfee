"""The app's Wagtail admin: contact, list, purpose and legal-basis viewsets in one menu group.

- :mod:`.viewsets` — the viewsets and their URLs (actions included).
- :mod:`.listing` — the contact listing; :mod:`.columns` — its columns and dates.
- :mod:`.views` — detail and the action views.
- :mod:`.permissions` — the one permission policy every view and action asks.
- :mod:`.filters`, :mod:`.forms`, :mod:`.bulk_actions`.
"""
