"""Scopes: each view names the scope its method needs; a key without it gets a 403."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.request import Request

from ..models import ApiKey


class HasScope(permissions.BasePermission):
    """The view's ``required_scopes`` (method -> scope) must be among the key's scopes."""

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False
        needed = view.required_scopes.get(request.method, view.required_scopes.get("*"))
        if needed is None:
            return True
        if not api_key.has_scope(needed):
            self.message = _("This API key lacks the scope “%(scope)s”.") % {"scope": needed}
            return False
        return True
