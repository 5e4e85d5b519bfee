"""Sphinx configuration for the wagtail-gdpr-mail documentation (MyST Markdown)."""

project = "wagtail-gdpr-mail"
author = "wagtail-gdpr-mail developers"
copyright = "2026, wagtail-gdpr-mail developers"  # noqa: A001
release = "0.1.0"

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = "wagtail-gdpr-mail"
suppress_warnings = ["myst.xref_missing"]
