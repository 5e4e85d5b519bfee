"""The forms of a page: action, method and the values a browser would send."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class HtmlForm:
    action: str  # as a browser requests it: without the #fragment
    method: str  # lower case
    # What a browser sends untouched: hidden and text inputs, textareas, selected
    # options, ticked checkboxes and radio buttons.
    values: dict[str, str] = field(default_factory=dict)
    checkboxes: list[str] = field(default_factory=list)  # checkbox and radio names
    checked: list[str] = field(default_factory=list)
    buttons: int = 0


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._textarea: str | None = None
        self._textarea_start = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(
                attributes.get("action", "").partition("#")[0],
                attributes.get("method", "get").lower(),
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attributes.get("name"):
            name = attributes["name"]
            if attributes.get("type") in ("checkbox", "radio"):
                self._form.checkboxes.append(name)
                if "checked" in attributes:
                    self._form.checked.append(name)
                    self._form.values[name] = attributes.get("value", "on")
            else:
                self._form.values[name] = attributes.get("value", "")
        elif tag == "textarea" and attributes.get("name"):
            self._textarea = attributes["name"]
            self._form.values[self._textarea] = ""
            self._textarea_start = True
        elif tag == "select" and attributes.get("name"):
            self._select = attributes["name"]
        elif tag == "option" and self._select and "selected" in attributes:
            self._form.values[self._select] = attributes.get("value", "")
        elif tag == "button":
            self._form.buttons += 1

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            if self._textarea_start and data.startswith("\n"):
                data = data[1:]  # browsers drop the newline right after <textarea>
            self._textarea_start = False
            self._form.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def parse_forms(html: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
