"""Subscription POSTs per second next to a plain wagtail.contrib.forms FormPage.

What is measured
----------------
The full request/response cycle of one valid form submission through
``django.test.Client`` (middleware, CSRF middleware with ``enforce_csrf_checks``
off for both, session, routing, form validation, the database writes), for two
forms with the same three fields (e-mail, first name, one checkbox), on the same
site and the same database:

* ``subscribe``  a POST to ``/gdpr-mail/subscribe/`` for a page carrying our
  :class:`~wagtail_gdpr_mail.blocks.SubscriptionFormBlock` (main purpose plus one
  optional purpose, which is ticked). The view finds the form on the live page,
  validates it, encrypts e-mail and data into a ``PendingSignup`` (blind index
  included) and answers with a redirect. Celery runs EAGER with Django's locmem
  e-mail backend, so the cost of the confirmation mail (token, rendering the
  text and HTML, building and "sending" the message, the mail snapshot
  encrypted into the row) is INCLUDED in each POST -- in production a worker
  pays it, not the visitor's request. The script prints that share separately.
* ``FormPage``   a POST to a ``home.models.FormPage`` (``AbstractEmailForm``
  with an empty "to address", so it sends no mail) holding the same fields:
  Wagtail validates the form, stores a ``FormSubmission`` in plain text and
  renders the landing page (200).

* ``django-newsletter``  a POST to django-newsletter 1.2.1's subscribe view
  (``/newsletter/bench/subscribe/``: name and e-mail), which stores a
  subscription and sends its activation mail in the request (locmem backend).
  Two Django projects cannot share a process: ``newsletter_project/driver.py``
  runs it in a process of its own, on a database of its own on the same server
  (``<name>_newsletter``), and times its ``client.post`` there; this script
  drives it over a pipe, request by request, interleaved with the other two.
  It needs the ``bench`` extra (``pip install -e '.[bench]'``); ``--no-newsletter``
  leaves it out.

After the rounds the script times the confirmation mail as the worker builds it
(``MailAdapter.build_confirmation`` on the row as the send task loads it; goal:
at most 2 ms) and counts the SQL statements of one POST of each.

Anti-bot and flood protection is switched off for the run, which only means
not counting it: ``WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=0``, both rate limits
``(0, 1)`` (disabled); every submission uses a distinct address, so the quiet
period never applies. The script checks that every subscribe POST created a
signup and sent a mail, and that every FormPage POST stored a submission.

Timing: 20 untimed warm-up submissions of each, then ``--rounds`` rounds of
``--count`` submissions of each, interleaved request by request (the order
alternates, so drift hits both alike); ``time.perf_counter`` around each
``client.post``. Per round, submissions/s = count / summed time; the reported
figure is the median over the rounds; a ratio is the median over the rounds of
that round's ratio (the sides of a round share its load). The goal: at least
1.0 x the FormPage and 1.0 x django-newsletter. The last two lines are
``ratio (subscribe / <peer>): X.XX``, the worse one last.

Database
--------
``DATABASE_URL`` from the environment (PostgreSQL or SQLite). Unset, the script
uses PostgreSQL ``postgres://postgres@127.0.0.1:5432/gdpr_mail_bench`` (the
database of ``admin_listing.py``, created if missing) when that server answers,
and otherwise a fresh SQLite file in a temporary directory, removed afterwards.
It prints which. Migrations are applied; the two pages (slugs
``bench-subscribe`` and ``bench-formpage``, under the default site's root page)
are created once and reused; the signups and submissions the run made are
deleted at the end. Never point DATABASE_URL at a database whose data you care
about: the script writes to it.

The site runs with ``DJANGO_DEBUG=0`` unless set otherwise; the public demo keys
are passed explicitly because the settings only fall back to them with DEBUG on.

Run from the repository root with the venv active::

    python benchmarks/subscribe.py
    python benchmarks/subscribe.py --count 500 --rounds 5
    python benchmarks/subscribe.py --profile   # the SQL of one POST, cProfile of subscribe
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

import _common
from _common import ROOT

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_bench"
GOAL = 1.0
WARMUP = 20
SUBSCRIBE_SLUG = "bench-subscribe"
FORMPAGE_SLUG = "bench-formpage"
# Names of their own: admin_listing.py seeds "Benchmark newsletter" in the same database.
NEWSLETTER = "Subscribe benchmark: newsletter"
COMPETITION = "Subscribe benchmark: competition results"
LIST_NAME = "Subscribe benchmark: subscribers"
FIELDS = [
    # label, wagtail.contrib.forms field type, required, help text
    ("E-mail", "email", True, ""),
    ("First name", "singleline", False, ""),
    ("Competition results", "checkbox", False, "We will tell you the results of our competitions."),
]


# A database of its own, emptied afterwards; BENCH_BROKER_URL chooses another.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")


def setup_django(mail_mode: str = "broker") -> None:
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    if mail_mode == "broker":
        # Production: the request publishes the send task to Redis; a worker (not
        # running here) would send the mail. The publish is part of each POST.
        os.environ["CELERY_BROKER_URL"] = BROKER_URL
    else:
        # The confirmation mail is sent in the request (eager Celery) into memory.
        os.environ.pop("CELERY_BROKER_URL", None)
    _common.setup_django()
    from example_site.celery import app as celery_app

    celery_app.conf.task_always_eager = mail_mode == "eager"
    celery_app.conf.task_eager_propagates = True


class NewsletterDriver:
    """django-newsletter's subscribe view, in a process of its own (``newsletter_project/``)."""

    def __init__(self, database_url: str) -> None:
        import subprocess

        env = {**os.environ, "NEWSLETTER_DATABASE_URL": database_url}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(Path(__file__).parent / "newsletter_project" / "driver.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.versions = self.ask(op="setup")

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the django-newsletter driver stopped ({command['op']})")
        return json.loads(line)

    def post(self, email: str) -> float:
        return self.ask(op="post", email=email)["seconds"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.ask(op="cleanup")
            self.process.wait(timeout=30)


def newsletter_database_url() -> str:
    """django-newsletter's database: on the same PostgreSQL server, a database of its own
    (``<name>_newsletter``, created if missing); next to the SQLite file otherwise."""
    import dj_database_url

    url = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(url)
    if "postgresql" in config.get("ENGINE", ""):
        name = f"{config['NAME']}_newsletter"
        _common.create_database_if_missing({**config, "NAME": name})
        return url.rsplit("/", 1)[0] + "/" + name
    return f"sqlite:///{Path(config['NAME']).parent / 'newsletter.sqlite3'}"


def empty_broker() -> None:
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()


# --- The two pages ---------------------------------------------------------------


def bench_pages():
    """The subscription page and the FormPage under the default site's root (created once)."""
    from django.db import transaction
    from wagtail.models import Page, Site
    from wagtail.rich_text import RichText

    from home.models import FormField, FormPage, HomePage
    from wagtail_gdpr_mail.models import ContactList, LegalBasis, ProcessingPurpose

    site = Site.objects.get(is_default_site=True)
    root = site.root_page.specific
    with transaction.atomic():
        purposes = {}
        for name, text in [
            (NEWSLETTER, "We will send you our newsletter about once a month."),
            (COMPETITION, FIELDS[2][3]),
        ]:
            purpose, created = ProcessingPurpose.objects.get_or_create(
                name=name,
                defaults={
                    "legal_basis": LegalBasis.objects.get(code="consent"),
                    "retention_amount": 2,
                    "retention_unit": "years",
                    "visitor_text": text,
                },
            )
            if created:
                purpose.save_revision(log_action=False)
            purposes[name] = purpose
        contact_list, _ = ContactList.objects.get_or_create(name=LIST_NAME)

        subscribe_page = Page.objects.child_of(root).filter(slug=SUBSCRIBE_SLUG).first()
        if subscribe_page is None:
            subscribe_page = HomePage(
                title="Benchmark: subscription form",
                slug=SUBSCRIBE_SLUG,
                body=[
                    (
                        "subscription_form",
                        {
                            "heading": "Subscribe to our newsletter",
                            "intro": RichText("<p>News about once a month.</p>"),
                            "ask_first_name": True,
                            "ask_last_name": False,
                            "main_purpose": purposes[NEWSLETTER],
                            "extra_purposes": [purposes[COMPETITION]],
                            "info_text": RichText(
                                "<p>Demo Shop s.r.o. (the controller) processes your e-mail "
                                "address and first name for the purposes you choose.</p>"
                            ),
                            "privacy_page": None,
                            "privacy_url": "https://example.com/privacy/",
                            "target_list": contact_list,
                            "submit_label": "Subscribe",
                            "success_message": "Thank you. Please confirm in your mailbox.",
                            "mail_subject": "Please confirm your subscription",
                            "mail_body": "Hello {name},\n\nplease confirm: {confirm_url}\n\n"
                            "{controller}",
                            "form_id": uuid.uuid4().hex,
                        },
                    )
                ],
            )
            root.add_child(instance=subscribe_page)
            subscribe_page.save_revision().publish()

        form_page = Page.objects.child_of(root).filter(slug=FORMPAGE_SLUG).first()
        if form_page is None:
            form_page = FormPage(
                title="Benchmark: FormPage",
                slug=FORMPAGE_SLUG,
                to_address="",  # no mail
                form_fields=[
                    FormField(
                        label=label,
                        field_type=field_type,
                        required=required,
                        help_text=help_text,
                        sort_order=order,
                    )
                    for order, (label, field_type, required, help_text) in enumerate(FIELDS)
                ],
            )
            root.add_child(instance=form_page)
            form_page.save_revision().publish()
    return site, subscribe_page.specific, form_page.specific


# --- Measuring -------------------------------------------------------------------


HIDDEN = re.compile(r'<input type="hidden" name="(page_id|form_id|rendered_at)" value="([^"]*)"')
CHECKBOX = re.compile(r'<input type="checkbox" name="(purpose_\d+)"')


class Bench:
    def __init__(
        self, site, subscribe_page, form_page, run_id: str, newsletter: NewsletterDriver | None
    ) -> None:
        from django.test import Client

        self.newsletter = newsletter
        self.client = Client(enforce_csrf_checks=False)
        self.run_id = run_id
        self.subscribe_page_url = subscribe_page.relative_url(site)
        self.form_page_url = form_page.relative_url(site)
        self.clean_names = {f.label: f.clean_name for f in form_page.form_fields.all()}
        self.mail_seconds = 0.0
        self.subscribe_fields = self._rendered_subscription_form()

    def _rendered_subscription_form(self) -> dict[str, str]:
        """page_id, form_id, a signed rendered_at and the checkbox's name, as a browser gets them."""
        response = self.client.get(self.subscribe_page_url)
        if response.status_code != 200:
            raise SystemExit(f"GET {self.subscribe_page_url}: HTTP {response.status_code}")
        html = response.content.decode()
        fields = dict(HIDDEN.findall(html))
        checkboxes = CHECKBOX.findall(html)
        if set(fields) != {"page_id", "form_id", "rendered_at"} or len(checkboxes) != 1:
            raise SystemExit("the subscription form did not render as expected")
        fields["checkbox"] = checkboxes[0]
        return fields

    def email(self, side: str, round_no: int, i: int) -> str:
        return f"bench.{self.run_id}.{side}{round_no}.{i}@example.org"

    def post_subscribe(self, email: str) -> None:
        fields = self.subscribe_fields
        data = {
            "email": email,
            "first_name": "Jana",
            fields["checkbox"]: "on",
            "page_id": fields["page_id"],
            "form_id": fields["form_id"],
            "rendered_at": fields["rendered_at"],
            "website": "",
        }
        response = self.client.post("/gdpr-mail/subscribe/", data)
        if response.status_code != 302:
            raise SystemExit(f"subscribe: HTTP {response.status_code}")

    def post_form_page(self, email: str) -> None:
        names = self.clean_names
        data = {names["E-mail"]: email, names["First name"]: "Jana", names[FIELDS[2][0]]: "on"}
        response = self.client.post(self.form_page_url, data)
        if response.status_code != 200 or b"<form" in response.content:
            raise SystemExit(f"FormPage: HTTP {response.status_code} or the form came back")

    def round(self, round_no: int, count: int) -> dict[str, float]:
        """One interleaved round: seconds spent per side ("s", "f" and "n")."""
        sides = ["s", "f"] + (["n"] if self.newsletter is not None else [])
        spent = dict.fromkeys(sides, 0.0)
        posts = {"s": self.post_subscribe, "f": self.post_form_page}
        clock = time.perf_counter
        for i in range(count):
            # The order rotates, so that whatever drifts hits every side alike.
            for side in sides[i % len(sides) :] + sides[: i % len(sides)]:
                email = self.email(side, round_no, i)
                if side == "n":  # timed in its own process, around its client.post
                    spent[side] += self.newsletter.post(email)
                    continue
                start = clock()
                posts[side](email)
                spent[side] += clock() - start
        return spent


def time_the_mail(bench: Bench) -> None:
    """Accumulate the time of the (eager) confirmation mail task, to report its share."""
    from wagtail_gdpr_mail import outbox

    original = outbox.queue

    def timed(model, pk: int) -> None:
        start = time.perf_counter()
        original(model, pk)
        bench.mail_seconds += time.perf_counter() - start

    outbox.queue = timed  # queue_after_commit() looks it up in the module per call


def time_worker_mail_build(subscribe_page, samples: int) -> tuple[float, int]:
    """Median ms and SQL queries of building one confirmation mail as the worker does.

    The send task claims the row (a locked SELECT, the attempt counted, a token
    issued), builds the message, sends it and marks the row sent; this times the
    build alone -- ``MailAdapter.build_confirmation`` on the row as the task loads it
    -- for the ``samples`` newest signups of the run, each loaded afresh.
    """
    import secrets

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_gdpr_mail.mail import get_adapter
    from wagtail_gdpr_mail.models.signups import PendingSignup

    pks = list(
        PendingSignup.objects.filter(page=subscribe_page)
        .order_by("-pk")
        .values_list("pk", flat=True)[:samples]
    )
    timings, queries = [], 0
    for n, pk in enumerate(pks):
        row = PendingSignup.objects.select_related("page").get(pk=pk)
        token = secrets.token_urlsafe(32)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            get_adapter().build_confirmation(row, token)
            timings.append(time.perf_counter() - start)
        if n == len(pks) - 1:
            queries = len(captured.captured_queries)
    return statistics.median(timings[1:] or timings) * 1000, queries


def stored_counts(subscribe_page, form_page, mail_mode: str) -> tuple[int, int, int]:
    """(signups, with their mail sent when eager; mails in the outbox; FormPage submissions)."""
    from django.core import mail
    from wagtail.contrib.forms.models import FormSubmission

    from wagtail_gdpr_mail.models.signups import PendingSignup

    signups = PendingSignup.objects.filter(page=subscribe_page)
    if mail_mode == "eager":
        signups = signups.filter(mail_status="sent")
    return (
        signups.count(),
        len(mail.outbox),
        FormSubmission.objects.filter(page=form_page).count(),
    )


def check_round(before: tuple, after: tuple, count: int, round_no: int, mail_mode: str) -> None:
    """Every POST of the round did the real work: no bot trap, no rate limit, no error."""
    signups, mails, submissions = (b - a for a, b in zip(before, after, strict=True))
    expected_mails = count if mail_mode == "eager" else 0
    if (signups, mails, submissions) != (count, expected_mails, count):
        raise SystemExit(
            f"round {round_no}: {count} POSTs of each made {signups} signups with mail sent, "
            f"{mails} mails and {submissions} FormPage submissions"
        )


def count_queries(bench: Bench, show: bool) -> tuple[int, ...]:
    """SQL queries of one subscribe POST, one FormPage POST and one django-newsletter
    POST (untimed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for label, post in (("subscribe", bench.post_subscribe), ("FormPage", bench.post_form_page)):
        post(bench.email(f"q{label[0]}", 0, 1))  # steady state: whatever a first POST builds
        with CaptureQueriesContext(connection) as captured:
            post(bench.email(f"q{label[0]}", 0, 0))
        counts.append(len(captured.captured_queries))
        if show:
            print(f"\n--- the {len(captured.captured_queries)} SQL queries of one {label} POST ---")
            for query in captured.captured_queries:
                print(f"  {query['sql'][:150]}")
    if bench.newsletter is not None:
        sql = bench.newsletter.ask(op="queries", email=bench.email("qn", 0, 0))["sql"]
        counts.append(len(sql))
        if show:
            print(f"\n--- the {len(sql)} SQL queries of one django-newsletter POST ---")
            for query in sql:
                print(f"  {query[:150]}")
    return tuple(counts)


def profile_subscribe(bench: Bench, count: int) -> None:
    """cProfile of ``count`` subscribe POSTs: our functions, then where the time itself goes."""
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        bench.post_subscribe(bench.email("p", 0, i))
    profiler.disable()
    for title, sort, restriction in (
        ("wagtail_gdpr_mail's functions by cumulative time", "cumulative", "wagtail_gdpr_mail"),
        ("all functions by cumulative time", "cumulative", ""),
        ("all functions by own time", "tottime", ""),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(sort)
        stats.print_stats(*([restriction] if restriction else []), 40)
        lines = out.getvalue().splitlines()
        first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print(f"\n--- cProfile of {count} subscribe POSTs: {title} ---")
        for line in lines[first:]:
            if line.strip():
                print(line.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", ""))


def cleanup(subscribe_page, form_page) -> None:
    from wagtail.contrib.forms.models import FormSubmission

    from wagtail_gdpr_mail.models.signups import PendingSignup

    PendingSignup.objects.filter(page=subscribe_page).delete()
    FormSubmission.objects.filter(page=form_page).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=300, help="submissions of each per round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument(
        "--mail",
        choices=["broker", "eager"],
        default="broker",
        help="broker (default, as in production): the POST publishes the send task to Redis "
        "for a worker; eager: the POST also renders and sends the mail itself",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="afterwards, list the SQL of one POST of each and cProfile --count subscribe POSTs",
    )
    parser.add_argument(
        "--no-newsletter",
        action="store_true",
        help="leave out the django-newsletter comparison (pip install -e '.[bench]' brings it)",
    )
    args = parser.parse_args()
    if args.count < 1 or args.rounds < 1:
        parser.error("--count and --rounds must be positive")

    database, tmp = _common.postgres_database_or_sqlite(
        DEFAULT_DATABASE_URL, prefix="gdpr-mail-subscribe-bench-"
    )
    try:
        run(args, database)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def require_form_page() -> None:
    try:
        from home.models import FormField, FormPage  # noqa: F401
    except ImportError:
        raise SystemExit(
            "subscribe.py needs home.models.FormPage and home.models.FormField "
            "(wagtail.contrib.forms) in the example site."
        ) from None


def run(args, database: str) -> None:
    setup_django(args.mail)
    require_form_page()

    import django
    import wagtail
    from django.core import mail
    from django.core.management import call_command
    from django.test import override_settings

    call_command("migrate", interactive=False, verbosity=0)
    print(f"database: {database}")
    print(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"Wagtail {wagtail.__version__}"
    )
    newsletter = None
    if not args.no_newsletter:
        newsletter = NewsletterDriver(newsletter_database_url())
        print(
            f"django-newsletter {newsletter.versions['django_newsletter']} in a process of its "
            f"own (Django {newsletter.versions['django']}), a database of its own on the "
            "same server"
        )

    with override_settings(
        WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=0,
        WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP=(0, 1),
        WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_ADDRESS=(0, 1),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        site, subscribe_page, form_page = bench_pages()
        cleanup(subscribe_page, form_page)
        bench = Bench(site, subscribe_page, form_page, uuid.uuid4().hex[:8], newsletter)
        time_the_mail(bench)
        mail.outbox = []
        try:
            for i in range(WARMUP):
                bench.post_subscribe(bench.email("ws", 0, i))
                bench.post_form_page(bench.email("wf", 0, i))
                if newsletter is not None:
                    newsletter.post(bench.email("wn", 0, i))
            mail.outbox.clear()
            if newsletter is not None:
                newsletter.ask(op="check")

            print(
                f"\n{args.rounds} rounds x {args.count} submissions of each, interleaved, "
                f"after {WARMUP} warm-ups; mail: {args.mail} "
                + (
                    "(the POST publishes the task to Redis)"
                    if args.mail == "broker"
                    else "(the POST sends the confirmation mail itself)"
                )
                + ("; django-newsletter sends its mail in the POST" if newsletter else "")
            )
            names = {"s": "subscribe", "f": "FormPage", "n": "django-newsletter"}
            rates: dict[str, list[float]] = {}
            mail_ms: list[float] = []
            for round_no in range(1, args.rounds + 1):
                bench.mail_seconds = 0.0
                before = stored_counts(subscribe_page, form_page, args.mail)
                spent = bench.round(round_no, args.count)
                after = stored_counts(subscribe_page, form_page, args.mail)
                check_round(before, after, args.count, round_no, args.mail)
                if newsletter is not None:
                    stored = newsletter.ask(op="check")
                    if stored != {"subscriptions": args.count, "mails": args.count}:
                        raise SystemExit(f"round {round_no}: django-newsletter stored {stored}")
                mail.outbox.clear()
                for side, seconds in spent.items():
                    rates.setdefault(side, []).append(args.count / seconds)
                mail_ms.append(bench.mail_seconds / args.count * 1000)
                print(
                    f"  round {round_no}: "
                    + "   ".join(
                        f"{names[side]} {args.count / seconds:6.1f}/s "
                        f"({seconds / args.count * 1000:5.2f} ms)"
                        for side, seconds in spent.items()
                    )
                    + f"   (subscribe's mail share {mail_ms[-1]:4.2f} ms)"
                )

            median = {side: statistics.median(values) for side, values in rates.items()}
            mail_share = statistics.median(mail_ms)
            print(f"\nmedian over {args.rounds} rounds (a shared machine: medians, not means):")
            for side, rate in median.items():
                print(f"  {names[side]:<18} {rate:7.1f} submissions/s  ({1000 / rate:5.2f} ms)")
            print(
                f"  of subscribe's time, "
                f"{'publishing the send task' if args.mail == 'broker' else 'sending the mail'}: "
                f"{mail_share:.2f} ms"
            )
            if args.mail == "eager":
                without_mail = 1000 / (1000 / median["s"] - mail_share)
                print(
                    f"  subscribe without the mail (a worker sends it in production): "
                    f"{without_mail:.1f}/s"
                )
            build_ms, build_queries = time_worker_mail_build(subscribe_page, 50)
            print(
                f"confirmation mail built in the worker: {build_ms:.2f} ms median, "
                f"{build_queries} SQL queries (goal: at most 2 ms)"
            )
            queries = count_queries(bench, show=args.profile)
            print(
                "SQL queries per POST: "
                + ", ".join(f"{names[side]} {n}" for side, n in zip("sfn", queries, strict=False))
            )
            if args.profile:
                profile_subscribe(bench, args.count)
        finally:
            cleanup(subscribe_page, form_page)
            if args.mail == "broker":
                empty_broker()
            if newsletter is not None:
                newsletter.close()
    # Per round, then the median: the sides of a round ran interleaved, under the same
    # load, which on a shared machine moves a lot between rounds.
    ratios = [
        (
            names[side],
            statistics.median(s / o for s, o in zip(rates["s"], rates[side], strict=True)),
        )
        for side in ("f", "n")
        if side in rates
    ]
    for name, ratio in ratios:
        print(f"goal: at least {GOAL:.1f} x {name} ({'met' if ratio >= GOAL else 'MISSED'})")
    # The worse ratio last.
    for name, ratio in sorted(ratios, key=lambda item: -item[1]):
        print(f"ratio (subscribe / {name}): {ratio:.2f}")


if __name__ == "__main__":
    main()
