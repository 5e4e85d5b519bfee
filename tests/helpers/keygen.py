"""``python -m wagtail_gdpr_mail.keygen`` as a shell runs it."""

from __future__ import annotations

import re
import subprocess
import sys


def keygen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wagtail_gdpr_mail.keygen", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def environment_lines(stdout: str) -> dict[str, str]:
    """keygen's ``NAME=value`` lines as a dict (asserting that is all it printed)."""
    lines = stdout.splitlines()
    assert all(re.fullmatch(r"[A-Z_]+=\S+", line) for line in lines), lines
    return dict(line.split("=", 1) for line in lines)


def new_keys(key_id: str) -> dict[str, str]:
    """Fresh key settings under ``key_id``, by setting name."""
    result = keygen(key_id)
    assert result.returncode == 0, result.stderr
    return environment_lines(result.stdout)
