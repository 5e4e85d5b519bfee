"""The legal side: who the controller is, where data may go, agreements, the ROPA.

- :mod:`.countries` — country choices and names (ISO 3166-1 alpha-2, from django-countries).
- :mod:`.adequacy` — EU/EEA membership and adequacy decisions (``data/adequacy.json``).
- :mod:`.transfers` — safeguards for transfers outside the EU/EEA, and whether one holds.
- :mod:`.controller` — the controller and DPO details of a site.
- :mod:`.agreements` — data processing agreements: standard clauses, acceptance.
- :mod:`.ropa` — the record of processing activities (GDPR Art. 30(1)).
- :mod:`.blocks`, :mod:`.forms`, :mod:`.views`, :mod:`.viewsets`, :mod:`.wagtail_hooks` — the
  site and admin side.

This module stays light: the models import :mod:`.countries`, :mod:`.adequacy` and
:mod:`.transfers`, so nothing here may import the models. ``country_choices`` is
re-exported because migration ``0003_legal`` names ``wagtail_gdpr_mail.legal.country_choices``.
"""

from .countries import country_choices, country_name

__all__ = ["country_choices", "country_name"]
