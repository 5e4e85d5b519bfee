"""Signals other code can listen to. Each is sent after the transaction commits."""

from django.dispatch import Signal

#: A contact was given a purpose, or an existing one was renewed.
#: Arguments: ``sender`` (PurposeAssignment), ``assignment``, ``record`` (the
#: ConsentRecord written), ``created`` (False for a renewal).
consent_given = Signal()

#: A purpose assignment was revoked (by an editor, the contact, an unsubscribe…).
#: Arguments: ``sender`` (PurposeAssignment), ``assignment``, ``record``.
consent_revoked = Signal()

#: Contacts were erased. Arguments: ``sender`` (Contact), ``contact_ids`` (their
#: former primary keys), ``mode`` ("delete" or "anonymise").
contact_erased = Signal()

#: An editor viewed, exported or erased personal data (sent at once, in the request's
#: transaction, by ``audit.log_action`` / ``audit.log_many`` for the actions in
#: ``audit.ACCESS_ACTIONS``). Arguments: ``sender`` (the model), ``action`` (the audit
#: action name), ``user``, ``count`` (contacts concerned), ``ip`` (the request's
#: address, or "" where none is known).
personal_data_accessed = Signal()
