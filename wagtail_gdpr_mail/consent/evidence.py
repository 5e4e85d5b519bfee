"""What a request tells about the person acting, kept as evidence (encrypted with it)."""

from __future__ import annotations

from django.http import HttpRequest

USER_AGENT_MAX_LENGTH = 500


def client_info(request: HttpRequest) -> dict[str, str]:
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
    }
