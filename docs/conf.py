"""Sphinx configuration for the wagtail-gdpr-mail documentation (MyST Markdown).

Autodoc imports the package, so Django is set up with the example site's
settings (SQLite, no services, demo keys under DEBUG): nothing is reached over
the network and no database is opened.
"""

import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
# The example site's directory first: its inner ``example_site`` package (the
# settings) and its ``home`` app must win over the outer folder of the same name.
sys.path[:0] = [str(ROOT / "example_site"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings")
django.setup()

project = "wagtail-gdpr-mail"
author = "wagtail-gdpr-mail developers"
copyright = "2026, wagtail-gdpr-mail developers"  # noqa: A001
release = "0.1.0"

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = "wagtail-gdpr-mail"

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
