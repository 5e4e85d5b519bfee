"""A browser without JavaScript over real HTTP (for servers a test starts in another
process): cookies kept, redirects not followed, every status code returned."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from urllib.parse import urlencode

from .html_forms import HtmlForm, parse_forms


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx comes back as the answer, as the test wants to see it


@dataclass
class Answer:
    status: int
    text: str
    location: str = ""

    def forms(self, method: str = "post") -> list[HtmlForm]:
        return [form for form in parse_forms(self.text) if form.method == method]


class HttpVisitor:
    """One visitor's cookies across any number of servers on 127.0.0.1: the cookie jar
    ignores the port, as browsers do, so a page opened on one server and a form sent to
    another share the CSRF cookie and the session."""

    def __init__(self, timeout: float = 30) -> None:
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirects()
        )

    def request(self, url: str, data: dict[str, str] | None = None) -> Answer:
        body = urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(url, data=body, timeout=self.timeout)  # noqa: S310
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            response = error
        with response:
            return Answer(
                response.status,
                response.read().decode(errors="replace"),
                response.headers.get("Location", ""),
            )

    def get(self, url: str) -> Answer:
        return self.request(url)

    def post(self, url: str, data: dict[str, str]) -> Answer:
        return self.request(url, data)
