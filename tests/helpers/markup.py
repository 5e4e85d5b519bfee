"""Probes for editor-entered text that reaches a page or a mail as live markup."""

from __future__ import annotations

from html.parser import HTMLParser

#: What an attacker with an editor account types into every text field.
XSS_PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
XSS = " ".join(XSS_PAYLOADS)


class _LiveMarkup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append("<script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("src", "href") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")


def live_markup(html: str) -> list[str]:
    """Scripts, event handlers and injected images that a browser would run or load."""
    parser = _LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of ``html`` as a reader sees it: tags dropped, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())
