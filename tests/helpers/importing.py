"""Import jobs for tests: a file in, a configured job out (the admin's steps in code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wagtail_gdpr_mail.importing import run
from wagtail_gdpr_mail.importing.presets import guess_mapping
from wagtail_gdpr_mail.models import ImportJob


def make_job(
    path: Path,
    *,
    purposes: list[dict[str, Any]] | None = None,
    contact_list: Any = None,
    policy: str = "keep",
    note: str = "Paper forms at the fair 2026",
    custom: dict[str, int] | None = None,
    user: Any = None,
) -> ImportJob:
    job = run.create_job([path.read_bytes()], user=user)
    _preset, mapping = guess_mapping(job.headers)
    mapping["custom"] = custom or {}
    job.mapping = mapping
    job.purposes = purposes or []
    job.contact_list = contact_list
    job.policy = policy
    job.note = note
    job.save()
    return job


def assign(purpose: Any, **spec: Any) -> dict[str, Any]:
    return {"purpose_id": purpose.pk, "mode": "assign", "valid_from": "now", **spec}
