"""The wheel and the sdist as a package index gets them: the wheel carries everything
the app reads at run time, the sdist no half test suite."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wagtail_gdpr_mail"
SKIP = shutil.ignore_patterns(
    ".git", ".venv", ".tox", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", "_build"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[list[str], list[str], str]:
    """Names in the wheel and in the sdist, built offline from a copy of the source."""
    work = tmp_path_factory.mktemp("packaging")
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
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = archive.namelist()
        (metadata,) = [n for n in wheel_names if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata).decode()
    with tarfile.open(sdist) as archive:
        # Drop the "wagtail_gdpr_mail-0.1.0/" prefix every sdist member carries.
        sdist_names = [name.partition("/")[2] for name in archive.getnames()]
    return wheel_names, sdist_names, metadata


def _package_files(folder: str, *suffixes: str) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (PACKAGE / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in suffixes
    }


@pytest.mark.parametrize(
    ("folder", "suffixes"),
    [
        ("templates", (".html", ".txt")),
        ("locale", (".mo", ".po")),
        ("schemas", (".json",)),
        ("data", (".json",)),
        ("migrations", (".py",)),
    ],
)
def test_the_wheel_holds_what_the_app_reads_at_run_time(built, folder, suffixes):
    wheel_names, _, _ = built
    expected = _package_files(folder, *suffixes)
    assert expected, f"nothing in {folder}?"
    assert expected <= set(wheel_names), sorted(expected - set(wheel_names))


def test_the_sdist_holds_no_tests_and_the_project_files(built):
    _, sdist_names, _ = built
    assert [name for name in sdist_names if name.startswith("tests/")] == []
    for folder in ("benchmarks/", "example_site/", "docs/_build/"):
        assert not any(name.startswith(folder) for name in sdist_names), folder
    for name in ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"):
        assert name in sdist_names
    assert "wagtail_gdpr_mail/locale/cs/LC_MESSAGES/django.mo" in sdist_names
    assert "wagtail_gdpr_mail/schemas/contact-export.schema.json" in sdist_names


def test_the_index_page_names_wagtail_8_and_links_absolutely(built):
    """The README is the package's page on the index: relative links there lead nowhere."""
    _, _, metadata = built
    assert "Classifier: Framework :: Wagtail :: 8" in metadata
    description = metadata.partition("\n\n")[2]
    links = re.findall(r"\]\(([^)]+)\)", description)
    assert links and all(link.startswith("https://") for link in links), links
    assert "Django 6.0 needs Python 3.12" in description
