"""The wheel and the sdist, built offline from a copy of the working tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    ".git", ".venv", ".tox", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", "_build"
)


def build_distributions(work: Path) -> tuple[Path, Path]:
    """Build the wheel and the sdist into ``work/dist``; returns (wheel, sdist)."""
    source, out = work / "source", work / "dist"
    shutil.copytree(ROOT, source, ignore=SKIP)
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist
