"""Consent: the one way purposes are given, renewed and revoked, and the proof of it.

- :mod:`.assignments` — assign, renew, revoke (single and for a whole list).
- :mod:`.evidence` — what a request tells about who acted (IP, user agent).
- :mod:`.verify` — re-computing every contact's hash chain.
"""
