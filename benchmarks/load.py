"""Load on the two-process set-up: subscribe and confirm over HTTP next to a FormPage.

What is measured
----------------
The example site runs under gunicorn with two sync worker processes
(``--workers``), on PostgreSQL, with the cache on Redis (database 8) and Celery
publishing to Redis (database 7), DEBUG off: the production shape of
``docs/deployment.md`` on one machine. A bounded asyncio client on 127.0.0.1
keeps ``--clients`` requests (default 50) in flight, each on a new connection
(sync workers close it after every answer):

* ``subscribe``  POST ``/gdpr-mail/subscribe/`` for the page with our form (the
  ``bench-subscribe`` page of ``subscribe.py``), a new address each time, the
  optional purpose ticked. Expected: 302. The request publishes the mail task.
* ``FormPage``   POST to the plain ``wagtail.contrib.forms`` FormPage with the same
  three fields (``bench-formpage``). Expected: 200, the landing page.
* ``confirm``    after both: a Celery worker (two processes) sends the confirmation
  mails of the subscribe phase to a file outbox; then the clients open each
  link (GET) and press the button (POST). Expected: 200 and 200.

Each client opens its form once before the clock starts (the CSRF cookie and token,
the form's signed timestamp), then sends it again and again. The subscribe and
FormPage phases alternate in ``--rounds`` rounds of ``--seconds / --rounds`` each.
Latency: from connecting to the last byte. The limit per IP is off
(``_load_settings.py``: every client is 127.0.0.1); all the rest (per-address
limit, quiet period, bot trap timing) is as in production, so a 429 would be
reported as such.

Then it checks that nothing was lost or doubled: one signup per 302, one mail per
signup and per address, one FormPage submission per 200, one contact per
confirmation. The last line is ``ratio (subscribe / FormPage): X.XX`` (requests
per second).

Database: ``DATABASE_URL`` or ``postgres://postgres@127.0.0.1:5432/gdpr_mail_load``
(created if missing; the script writes to it). Run from the repository root::

    python benchmarks/load.py                  # 50 clients, 60 s of each
    python benchmarks/load.py --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import _common
from _common import ROOT

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_load"
BROKER_URL = "redis://127.0.0.1:6379/7"
CACHE_URL = "redis://127.0.0.1:6379/8"
HOST = "127.0.0.1"
SUBSCRIBE_PATH = "/gdpr-mail/subscribe/"
CONFIRM_LINK = re.compile(r"https?://[^\s<>\"']+(/gdpr-mail/confirm/[^\s<>\"'/]+/)")
INPUT = re.compile(r"<input\b[^>]*>", re.S)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')
CSRF_COOKIE = re.compile(rb"^Set-Cookie: csrftoken=([^;]+)", re.M | re.I)


def server_environment(outbox: Path) -> dict[str, str]:
    """What gunicorn and the worker run with: the example site, production-like."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "benchmarks"), str(ROOT / "example_site"), str(ROOT)]
        ),
        "DJANGO_SETTINGS_MODULE": "_load_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_CACHE_URL": CACHE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS": _common.DEMO_ENCRYPTION_KEYS,
        "WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS": _common.DEMO_BLIND_INDEX_KEYS,
        "WAGTAIL_GDPR_MAIL_CHAIN_KEYS": _common.DEMO_CHAIN_KEYS,
    }


# --- HTTP: one request per connection, as sync gunicorn workers answer ------------


@dataclass
class Reply:
    status: int
    head: bytes
    body: bytes
    seconds: float


async def http(
    port: int, method: str, path: str, data: dict | None = None, cookie: str = ""
) -> Reply:
    body = urlencode(data).encode() if data is not None else b""
    lines = [f"{method} {path} HTTP/1.0", f"Host: {HOST}:{port}"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if data is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        raw = await reader.read()
    finally:
        writer.close()
    seconds = time.perf_counter() - start
    head, _, content = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return Reply(status, head, content, seconds)


def form_fields(html: str, action: str | None) -> dict[str, str]:
    """The inputs of the form with ``action`` (or the first POST form): hidden values."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S)
    for attributes, inner in forms:
        attrs = dict(ATTRIBUTE.findall(attributes))
        if attrs.get("method", "").lower() != "post":
            continue
        if action is not None and attrs.get("action", "").partition("#")[0] != action:
            continue
        fields = {}
        for tag in INPUT.findall(inner):
            attrs = dict(ATTRIBUTE.findall(tag))
            if attrs.get("name") and attrs.get("type") in ("hidden", None):
                fields[attrs["name"]] = attrs.get("value", "")
        return fields
    raise SystemExit(f"no POST form (action {action!r}) on the page")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0
    addresses: list[str] = field(default_factory=list)
    first_error: str = ""

    def add(self, reply: Reply | None, expected: int) -> bool:
        if reply is None:
            self.errors += 1
            self.statuses["exception"] += 1
            return False
        self.latencies.append(reply.seconds)
        self.statuses[reply.status] += 1
        if reply.status != expected:
            self.errors += 1
            if self.errors == 1:
                self.first_error = reply.head.decode(errors="replace")
            return False
        return True

    def line(self, name: str) -> str:
        count = len(self.latencies)
        rate = count / self.seconds if self.seconds else 0.0
        p50 = _common.percentile(self.latencies, 0.5) * 1000 if count else 0.0
        p99 = _common.percentile(self.latencies, 0.99) * 1000 if count else 0.0
        return (
            f"{name:<10} {rate:7.1f} requests/s   p50 {p50:6.0f} ms   p99 {p99:6.0f} ms   "
            f"errors {self.errors}   ({count} requests; {dict(self.statuses)})"
        )

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p99(self) -> float:
        return _common.percentile(self.latencies, 0.99) if self.latencies else 0.0


# --- the phases -------------------------------------------------------------------


class Load:
    def __init__(
        self, port: int, clients: int, run_id: str, pages: dict[str, str], names: list[str]
    ) -> None:
        self.port, self.clients, self.run_id = port, clients, run_id
        self.pages, self.names = pages, names
        self.counter = 0

    async def open_form(self, side: str) -> tuple[dict[str, str], str]:
        reply = await http(self.port, "GET", self.pages[side])
        if reply.status != 200:
            raise SystemExit(f"GET {self.pages[side]}: HTTP {reply.status}")
        cookie = CSRF_COOKIE.search(reply.head)
        action = SUBSCRIBE_PATH if side == "subscribe" else None
        html = reply.body.decode()
        fields = form_fields(html, action)
        if side == "subscribe":  # tick the optional purpose
            fields[re.search(r'type="checkbox" name="(purpose_\d+)"', html).group(1)] = "on"
        return fields, f"csrftoken={cookie.group(1).decode()}" if cookie else ""

    def data(self, side: str, fields: dict[str, str]) -> tuple[dict[str, str], str]:
        self.counter += 1
        email = f"load.{self.run_id}.{side[0]}{self.counter}@example.org"
        if side == "subscribe":
            return {**fields, "email": email, "first_name": "Jana", "website": ""}, email
        address, first_name, checkbox = self.names
        return {**fields, address: email, first_name: "Jana", checkbox: "on"}, email

    async def phase(self, side: str, seconds: float, tally: Tally) -> None:
        opened = await asyncio.gather(*(self.open_form(side) for _ in range(self.clients)))
        await asyncio.sleep(2.1)  # older than MIN_FILL_SECONDS, as a person's form is
        expected = 302 if side == "subscribe" else 200
        target = SUBSCRIBE_PATH if side == "subscribe" else self.pages[side]
        deadline = time.perf_counter() + seconds

        async def client(fields: dict[str, str], cookie: str) -> None:
            while time.perf_counter() < deadline:
                data, email = self.data(side, fields)
                try:
                    reply = await http(self.port, "POST", target, data, cookie)
                except OSError:
                    reply = None
                if tally.add(reply, expected):
                    tally.addresses.append(email)

        start = time.perf_counter()
        await asyncio.gather(*(client(*pair) for pair in opened))
        tally.seconds += time.perf_counter() - start

    async def confirm(self, links: list[str], tally: Tally) -> None:
        queue = list(links)
        start = time.perf_counter()

        async def client() -> None:
            while queue:
                path = queue.pop()
                try:
                    page = await http(self.port, "GET", path)
                    if not tally.add(page, 200):
                        continue
                    cookie = CSRF_COOKIE.search(page.head)
                    fields = form_fields(page.body.decode(), None)
                    reply = await http(
                        self.port,
                        "POST",
                        path,
                        fields,
                        f"csrftoken={cookie.group(1).decode()}" if cookie else "",
                    )
                except OSError:
                    reply = None
                if tally.add(reply, 200):
                    tally.addresses.append(path)

        await asyncio.gather(*(client() for _ in range(self.clients)))
        tally.seconds += time.perf_counter() - start


# --- processes --------------------------------------------------------------------


def wait_until(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise SystemExit(f"timed out waiting for {what}; log:\n{log.read_text()[-3000:]}")


def answers(port: int) -> bool:
    import socket

    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


# --- main -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60, help="seconds of load on each form")
    parser.add_argument("--clients", type=int, default=50, help="requests in flight (default 50)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    args = parser.parse_args()

    database = _common.configure_postgres(DEFAULT_DATABASE_URL, "load.py")
    outbox = Path(tempfile.mkdtemp(prefix="gdpr-mail-load-"))
    env = server_environment(outbox)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    sys.path.insert(0, str(ROOT / "benchmarks"))
    _common.setup_django()
    import django
    import redis
    import wagtail
    from django.core.management import call_command
    from subscribe import FIELDS, bench_pages, cleanup  # the same two pages

    from tests.helpers.http import free_port
    from tests.helpers.processes import BackgroundProcess
    from wagtail_gdpr_mail.models import Contact

    call_command("migrate", interactive=False, verbosity=0)
    for url in (BROKER_URL, CACHE_URL):
        redis.Redis.from_url(url).flushdb()
    site, subscribe_page, form_page = bench_pages()
    cleanup(subscribe_page, form_page)
    clean_names = {f.label: f.clean_name for f in form_page.form_fields.all()}
    names = [clean_names[label] for label, *_ in FIELDS]  # e-mail, first name, checkbox
    pages = {
        "subscribe": subscribe_page.relative_url(site),
        "FormPage": form_page.relative_url(site),
    }
    print(f"database: {database}; cache and broker: Redis; gunicorn: {args.workers} sync workers")
    print(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, Wagtail {wagtail.__version__}"
    )

    port = free_port()
    logs = outbox.parent / f"{outbox.name}-logs"
    logs.mkdir()
    gunicorn = BackgroundProcess(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"{HOST}:{port}",
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "example_site.wsgi:application",
        ],
        cwd=ROOT / "example_site",
        env=env,
        log_path=logs / "gunicorn.log",
    )
    gunicorn.launch()
    worker = None
    try:
        wait_until(lambda: answers(port), 60, "gunicorn", logs / "gunicorn.log")
        load = Load(port, args.clients, uuid.uuid4().hex[:8], pages, names)
        tallies = {"subscribe": Tally(), "FormPage": Tally(), "confirm": Tally()}
        # Warm-up: every worker process has loaded the pages once.
        asyncio.run(load.phase("subscribe", 2, Tally()))
        asyncio.run(load.phase("FormPage", 2, Tally()))
        per_round = args.seconds / args.rounds
        print(
            f"\n{args.clients} clients, {args.rounds} rounds of {per_round:.0f} s of each form, alternating"
        )
        for round_no in range(args.rounds):
            order = ("subscribe", "FormPage") if round_no % 2 == 0 else ("FormPage", "subscribe")
            for side in order:
                asyncio.run(load.phase(side, per_round, tallies[side]))

        # The worker sends the confirmation mails of the run (and of the warm-up).
        worker = BackgroundProcess(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "example_site",
                "worker",
                "--concurrency",
                "2",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT / "example_site",
            env=env,
            log_path=logs / "worker.log",
        )
        worker.launch()
        links = wait_for_mail(
            tallies["subscribe"].addresses, subscribe_page, outbox, logs / "worker.log"
        )
        worker.stop()
        contacts_before = Contact.objects.count()
        asyncio.run(load.confirm(links, tallies["confirm"]))
        print()
        for name, tally in tallies.items():
            print(tally.line(name))
            if tally.first_error:
                print(f"  first unexpected answer: {tally.first_error[:300]!r}")
        check_nothing_lost(tallies, subscribe_page, form_page, links, contacts_before)
    finally:
        gunicorn.stop()
        if worker is not None:
            worker.stop()
        shutil.rmtree(outbox, ignore_errors=True)
        shutil.rmtree(logs, ignore_errors=True)
        for url in (BROKER_URL, CACHE_URL):
            redis.Redis.from_url(url).flushdb()
    s, f = tallies["subscribe"], tallies["FormPage"]
    print(f"p99 ratio (subscribe / FormPage): {s.p99 / f.p99:.2f}")
    print(f"ratio (subscribe / FormPage): {s.rate / f.rate:.2f}")


def wait_for_mail(addresses: list[str], subscribe_page, outbox: Path, log: Path) -> list[str]:
    """The confirmation link of every address the run subscribed, once the worker sent it."""
    from tests.helpers.mail_files import sent_mail, text_of
    from wagtail_gdpr_mail.models.signups import PendingSignup

    wanted = set(addresses)
    state: dict[str, list] = {}

    def all_sent() -> bool:
        if PendingSignup.objects.filter(page=subscribe_page).exclude(mail_status="sent").exists():
            return False
        state["messages"] = sent_mail(outbox)
        return {m["To"] for m in state["messages"]} >= wanted

    wait_until(all_sent, 600, "the confirmation mails", log)
    time.sleep(1)
    messages = sent_mail(outbox)
    per_address = Counter(m["To"] for m in messages)
    doubled = [a for a, n in per_address.items() if n > 1]
    if doubled:
        raise SystemExit(f"{len(doubled)} addresses got more than one confirmation mail")
    return [CONFIRM_LINK.search(text_of(m)).group(1) for m in messages if m["To"] in wanted]


def check_nothing_lost(tallies, subscribe_page, form_page, links, contacts_before: int) -> None:
    from wagtail.contrib.forms.models import FormSubmission

    from wagtail_gdpr_mail.models import Contact
    from wagtail_gdpr_mail.models.signups import PendingSignup

    subscribed = set(tallies["subscribe"].addresses)
    signups = PendingSignup.objects.filter(page=subscribe_page).count()
    submissions = FormSubmission.objects.filter(page=form_page).count()
    confirmed = len(tallies["confirm"].addresses)
    contacts = Contact.objects.count() - contacts_before
    problems = []
    if len(links) != len(subscribed):
        problems.append(f"{len(subscribed)} subscribed, {len(links)} confirmation mails")
    if signups < len(subscribed):
        problems.append(f"{len(subscribed)} subscriptions answered 302, {signups} signups stored")
    if submissions < len(tallies["FormPage"].addresses):
        problems.append(f"{len(tallies['FormPage'].addresses)} FormPage 200s, {submissions} stored")
    if contacts < len(links) or confirmed != len(links):
        problems.append(f"{len(links)} links, {confirmed} confirmed, {contacts} contacts")
    for name, tally in tallies.items():
        if tally.errors or not tally.latencies:
            problems.append(f"{name}: {tally.errors} errors of {len(tally.latencies)} requests")
    print("nothing lost or doubled" if not problems else "PROBLEMS: " + "; ".join(problems))


if __name__ == "__main__":
    main()
