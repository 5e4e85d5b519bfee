"""List membership: the one way a contact joins or leaves a list.

A membership row is one stay in a list, with who added the contact and when,
and (once ended) who removed them and when. Rows are never deleted while the
contact exists, because join dates are evidence. Each change writes one audit
entry per contact, naming the list by id (no personal data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import audit
from .models import Contact, ContactList, ListMembership
from .models.bulk_insert import id_set


@dataclass(frozen=True)
class MembershipChange:
    """What a call changed: ``changed`` contacts joined (or left); ``unchanged`` already were
    (or were not) members, or are anonymised."""

    changed: int
    unchanged: int


def _real_user(user: Any) -> Any:
    return user if audit.user_id(user) is not None else None


def _lock(contact_list: ContactList) -> None:
    # One writer per list at a time (PostgreSQL): two clicks on "Add" cannot both
    # find no current membership and both insert one.
    list(ContactList.objects.select_for_update().filter(pk=contact_list.pk).values_list("pk"))


def _contact_ids(contacts: Iterable[Contact | int]) -> list[int]:
    ids = {c if isinstance(c, int) else c.pk for c in contacts}
    return sorted(ids)


def add_to_list(
    contacts: Iterable[Contact | int],
    contact_list: ContactList,
    *,
    user: Any = None,
    when: datetime | None = None,
    log: bool = True,
) -> MembershipChange:
    """Make ``contacts`` current members of ``contact_list``, joined at ``when`` (now).

    A contact already in the list keeps their membership (and join date); an
    anonymised contact is not added. One transaction. ``log=False``: no entry per
    contact, for a bulk caller that writes one entry for the whole operation (an import).
    """
    ids = _contact_ids(contacts)
    when = when or timezone.now()
    with transaction.atomic():
        _lock(contact_list)
        eligible = set(
            Contact.objects.filter(
                pk__in=id_set(ids, Contact), anonymised_at__isnull=True
            ).values_list("pk", flat=True)
        )
        already = set(
            ListMembership.objects.current()
            .filter(contact_list=contact_list, contact_id__in=id_set(list(eligible), Contact))
            .values_list("contact_id", flat=True)
        )
        joining = sorted(eligible - already)
        ListMembership.objects.bulk_create(
            [
                ListMembership(
                    contact_id=pk,
                    contact_list=contact_list,
                    added_at=when,
                    added_by=_real_user(user),
                )
                for pk in joining
            ],
            batch_size=1000,
        )
        if log:
            audit.log_many(
                Contact.objects.filter(pk__in=joining).only("pk"),
                audit.JOIN_LIST,
                user=user,
                data={"list_id": contact_list.pk},
            )
    return MembershipChange(changed=len(joining), unchanged=len(ids) - len(joining))


def remove_from_list(
    contacts: Iterable[Contact | int],
    contact_list: ContactList,
    *,
    user: Any = None,
    when: datetime | None = None,
) -> MembershipChange:
    """End the current membership of ``contacts`` in ``contact_list``; the rows stay.

    A contact who is not a member is left alone (counted as ``unchanged``).
    """
    ids = _contact_ids(contacts)
    with transaction.atomic():
        _lock(contact_list)
        memberships = ListMembership.objects.current().filter(
            contact_list=contact_list, contact_id__in=ids
        )
        leaving = sorted(memberships.values_list("contact_id", flat=True))
        memberships.update(left_at=when or timezone.now(), removed_by=_real_user(user))
        audit.log_many(
            Contact.objects.filter(pk__in=leaving).only("pk"),
            audit.LEAVE_LIST,
            user=user,
            data={"list_id": contact_list.pk},
        )
    return MembershipChange(changed=len(leaving), unchanged=len(ids) - len(leaving))


def set_lists(
    contact: Contact, lists: Iterable[ContactList], *, user: Any = None
) -> tuple[list[ContactList], list[ContactList]]:
    """Make ``lists`` the contact's current lists (others left alone if archived).

    Returns (joined, left). Archived lists are not offered by forms, so a
    membership of one is kept as it is.
    """
    wanted = {cl.pk: cl for cl in lists}
    current = {
        m.contact_list_id: m.contact_list
        for m in ListMembership.objects.current()
        .filter(contact=contact)
        .select_related("contact_list")
    }
    joined = [cl for pk, cl in wanted.items() if pk not in current]
    left = [cl for pk, cl in current.items() if pk not in wanted and not cl.archived]
    with transaction.atomic():
        for contact_list in joined:
            add_to_list([contact], contact_list, user=user)
        for contact_list in left:
            remove_from_list([contact], contact_list, user=user)
    return joined, left
