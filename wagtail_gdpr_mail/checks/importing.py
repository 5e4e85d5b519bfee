"""Where uploaded import files wait for their run (E060)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

from ..conf import app_settings


def _inside(path: str, root: Any) -> bool:
    if not root:
        return False
    try:
        return Path(path).resolve().is_relative_to(Path(str(root)).resolve())
    except (OSError, ValueError):
        return False


@checks.register()
def check_import_dir(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Uploaded import files hold personal data in clear: never where a web server
    serves files from."""
    directory = app_settings.IMPORT_DIR
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        if _inside(directory, getattr(settings, name, None)):
            return [
                checks.Error(
                    f"{app_settings.setting_name('IMPORT_DIR')} ({directory}) lies inside "
                    f"{name}: uploaded import files (personal data) could be downloaded.",
                    hint="Point it at a private directory outside MEDIA_ROOT and STATIC_ROOT.",
                    id="wagtail_gdpr_mail.E060",
                )
            ]
    return []
