"""Campaigns: mail sent for one purpose to the contacts who hold it at send time.

Recipients (:mod:`.recipients`), fan-out (:mod:`.sending`, :mod:`.tasks`), the
one-click unsubscribe (:mod:`.unsubscribe`), the admin (:mod:`.viewsets`, :mod:`.views`).
"""
