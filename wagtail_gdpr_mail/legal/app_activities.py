"""The app's own processing, as entries of the record of processing activities.

Beside the purposes editors define, the app itself processes personal data: it
keeps sign-ups until they are confirmed, a list of addresses that must not be
mailed, the events the e-mail service reports, data-subject requests and an
audit log. Each is an activity of the record (Art. 30(1)); :func:`app_activities`
returns them as keyword arguments of ``RopaActivity``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, ngettext

from ..conf import app_settings
from ..models import LegalBasis


def _basis(code: str, article: str) -> dict[str, str]:
    label = dict(LegalBasis.Code.choices)[code]
    return {"legal_basis_code": code, "legal_basis": str(label), "legal_basis_article": article}


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _hours(count: int) -> str:
    return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}


def app_activities(recipients: tuple[Any, ...]) -> list[dict[str, Any]]:
    """The app's own activities; ``recipients`` are those of every purpose (e.g. the ESP)."""
    common = {
        "active": True,
        "retention_amount": None,
        "retention_unit": None,
        "kind": "app",
        "purpose_id": None,
    }
    signup_days = app_settings.SIGNUP_EXPIRY_DAYS
    return [
        {
            **common,
            "purpose": gettext("Confirming sign-ups (double opt-in)"),
            "description": gettext(
                "A submitted form is kept until the person confirms it from the e-mail we "
                "send, so that nobody is subscribed by someone else."
            ),
            **_basis("legitimate_interest", gettext("Art. 6(1)(f) GDPR")),
            "data_subjects": gettext("People who submitted a subscription form"),
            "data_categories": gettext(
                "E-mail address; the names and fields the form asked for; time, IP address "
                "and browser of the submission; the form's text"
            ),
            "retention": gettext("Until confirmed, at most %(period)s, then deleted")
            % {"period": _days(signup_days)},
            "recipients": recipients,
        },
        {
            **common,
            "purpose": gettext("Suppression list"),
            "description": gettext(
                "Addresses that were erased, bounced or complained are kept as a keyed hash, "
                "so that no form, import or API call adds them again without the person's "
                "own confirmation."
            ),
            **_basis("legal_obligation", gettext("Art. 6(1)(c) GDPR with Art. 17 and 21")),
            "data_subjects": gettext(
                "People who asked for erasure or objected; addresses that bounced or complained"
            ),
            "data_categories": gettext(
                "Keyed hash of the e-mail address (not the address); reason and date"
            ),
            "retention": gettext("As long as the site sends e-mail"),
            "recipients": (),
        },
        {
            **common,
            "purpose": gettext("Handling e-mail delivery events"),
            "description": gettext(
                "Bounces, complaints and unsubscribes reported by the e-mail service stop "
                "mail to the address and withdraw what the event revokes."
            ),
            **_basis("legitimate_interest", gettext("Art. 6(1)(f) GDPR")),
            "data_subjects": gettext("Contacts who were sent e-mail"),
            "data_categories": gettext("E-mail address; event type and time"),
            "retention": gettext(
                "Events are applied, not kept; their effect stays in the suppression list "
                "and the consent records"
            ),
            "recipients": recipients,
        },
        {
            **common,
            "purpose": gettext("Answering data-subject requests"),
            "description": gettext(
                "Requests for access, portability, withdrawal and erasure made on the site: "
                "a verification e-mail with a one-time link."
            ),
            **_basis("legal_obligation", gettext("Art. 6(1)(c) GDPR with Art. 12–22")),
            "data_subjects": gettext("People who asked for their data"),
            "data_categories": gettext("E-mail address; time of the request; language"),
            "retention": gettext("The link is valid for %(period)s; the request is then kept")
            % {"period": _hours(app_settings.SELF_SERVICE_LINK_HOURS)},
            "recipients": recipients,
        },
        {
            **common,
            "purpose": gettext("Audit log"),
            "description": gettext(
                "Who viewed, exported, changed, assigned, revoked or erased what, and when, "
                "to demonstrate compliance (Art. 5(2) GDPR)."
            ),
            **_basis("legal_obligation", gettext("Art. 6(1)(c) GDPR with Art. 5(2) and 24")),
            "data_subjects": gettext("Admin users; contacts, by number only"),
            "data_categories": gettext(
                "Admin user, action, time and the contact's number; no contact's personal data"
            ),
            "retention": gettext("As long as Wagtail's log is kept"),
            "recipients": (),
        },
    ]
