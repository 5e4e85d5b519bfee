"""Using a mailed link once: the re-consent "renew" link and the notice's "object" link.

Like the double opt-in confirmation: the row is looked up by its token's hash,
locked, checked, acted on once in one write transaction; an unknown, used or
expired link is INVALID (one and the same page for the visitor), a database
that stays locked (SQLite) is BUSY and nothing changed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from ..locking import retry_when_locked, write_transaction
from ..models import PurposeAssignment
from ..models.outbox import LinkMessage


class LinkOutcome(enum.Enum):
    DONE = "done"
    INVALID = "invalid"
    BUSY = "busy"


@dataclass
class LinkResult:
    outcome: LinkOutcome
    assignment: PurposeAssignment | None = None


def use_link(
    model: type[LinkMessage], token: str, act: Callable[[LinkMessage], PurposeAssignment]
) -> LinkResult:
    """``act(row)`` once for the row of a usable link; its assignment comes back."""

    def once() -> LinkResult:
        found = model.find_by_token(token)
        if found is None:
            return LinkResult(LinkOutcome.INVALID)
        with write_transaction():
            row = (
                model._default_manager.select_for_update(of=("self",))
                .select_related(*model.token_related)
                .get(pk=found.pk)
            )
            if not row.is_usable:
                return LinkResult(LinkOutcome.INVALID)
            return LinkResult(LinkOutcome.DONE, act(row))

    return retry_when_locked(once, busy=LinkResult(LinkOutcome.BUSY))
