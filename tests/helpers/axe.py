"""axe-core in the browser (``axe-playwright-python`` ships it): a page must have no
accessibility violations, best practices included."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

#: Every WCAG 2.x A/AA rule and Deque's best practices: what a read-through would flag.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _targets(node: dict[str, Any]) -> str:
    return ", ".join(" > ".join(t) if isinstance(t, list) else str(t) for t in node["target"])


def assert_no_axe_violations(page: Any) -> None:
    """Run axe-core on ``page`` (a Playwright page); fail listing each violation's id,
    help text and the nodes it found."""
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "resultTypes": ["violations"],
    }
    violations = Axe().run(page, options=options).response["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines += [f"    {_targets(node)}" for node in violation["nodes"]]
        pytest.fail("\n".join(lines), pytrace=False)
