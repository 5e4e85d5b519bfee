"""The wheel and the sdist as a package index gets them: the wheel carries everything
the app reads at run time and no tests; the sdist the whole test suite and the docs
(``tests/test_fresh_install.py`` runs the suite from it)."""

from __future__ import annotations

import re
import subprocess
import tarfile
import zipfile

import pytest

from tests.helpers.packaging import ROOT, build_distributions

PACKAGE = ROOT / "wagtail_gdpr_mail"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[list[str], list[str], str]:
    """Names in the wheel and in the sdist, built offline from a copy of the source."""
    wheel, sdist = build_distributions(tmp_path_factory.mktemp("packaging"))
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


def tracked_files(folder: str) -> set[str]:
    """The files git tracks under ``folder`` (what a checkout holds)."""
    listed = subprocess.run(
        ["git", "ls-files", "--", folder], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {name for name in listed if (ROOT / name).is_file()}


def test_the_sdist_holds_the_whole_test_suite_and_the_docs_but_not_the_project_files(built):
    wheel_names, sdist_names, _ = built
    for folder in ("tests/", "docs/"):
        expected = tracked_files(folder)
        assert expected, f"nothing tracked in {folder}? (no git checkout?)"
        assert expected <= set(sdist_names), sorted(expected - set(sdist_names))
    assert not any(name.startswith("tests/") for name in wheel_names)
    for folder in ("benchmarks/", "example_site/", "docs/_build/"):
        assert not any(name.startswith(folder) for name in sdist_names), folder
    assert not any("__pycache__" in name for name in sdist_names)
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
    assert "Django 6.x needs Python 3.12" in description
