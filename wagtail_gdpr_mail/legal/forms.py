"""Admin forms of the legal paperwork."""

from __future__ import annotations

from typing import Any

from wagtail.admin.forms import WagtailAdminModelForm

from .agreements import new_agreement_initial


class DataProcessingAgreementForm(WagtailAdminModelForm):
    """Starts a new agreement with the controller's details and the standard clauses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is None or instance.pk is None:
            kwargs["initial"] = {**new_agreement_initial(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
