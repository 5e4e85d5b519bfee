"""Segments for tests: rules written as the StreamField stores them."""

from __future__ import annotations

from typing import Any

from wagtail_gdpr_mail.models import Segment


def rule(block_type: str, value: Any = None) -> dict[str, Any]:
    return {"type": block_type, "value": value}


def group(match: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return rule("group", {"match": match, "rules": list(rules)})


def make_segment(*rules: dict[str, Any], match: str = "all", **kwargs: Any) -> Segment:
    """A saved segment, read back so its rules are blocks (as the admin has them)."""
    name = kwargs.pop("name", f"Segment {Segment.objects.count() + 1}")
    segment = Segment.objects.create(name=name, rules=list(rules), match=match, **kwargs)
    return Segment.objects.get(pk=segment.pk)
