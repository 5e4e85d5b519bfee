"""Scale-out, proven: two gunicorn servers and two Celery workers on one PostgreSQL
database, one shared Redis cache and one broker (Redis, then RabbitMQ), and a crowd of
visitors whose every step lands on either server.

Each server runs two sync worker processes (four web processes in all); the workers
run ``--pool=solo``. All of them use ``tests/scaleout/settings.py`` (the test project's
settings, the cache on Redis database 8, a Celery queue of this run's own) and write
mail to one file outbox. The visitors are threads speaking HTTP:

1. Each opens the page on one server and sends the form to the other; every third
   sends it twice at once, once to each server (a double click across processes:
   only the shared quiet period keeps that to one mail).
2. Each opens the link from the confirmation mail on one server and presses the button
   on the other; every fourth presses it on both at once.
3. Every other one asks for a "my data" link on one server, opens it on the other,
   downloads the export and, where they ticked the optional purpose, withdraws it.
4. A campaign to everyone, sent by both workers in small batches; half the recipients
   then unsubscribe with the one-click POST, some on both servers at once
   (:func:`send_a_small_campaign`).

Then: every confirmation and every "my data" mail went out exactly once, every contact,
list membership and purpose assignment exists exactly once, every recipient got the
campaign once and every one-click unsubscribe revoked the purpose once, and every
consent chain verifies. Marked ``postgres`` (the PostgreSQL pass of ``make test``); Redis and
RabbitMQ skip where missing, except in CI, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.db.models import Count

from tests.helpers.http import Answer, HttpVisitor, free_port
from tests.helpers.links import ACCESS_LINK, CONFIRM_LINK
from tests.helpers.mail_files import sent_mail, text_of
from tests.helpers.pages import publish_test_page
from tests.helpers.processes import ROOT, WebServer, Worker, wait_for
from tests.helpers.services import (
    database_is_postgres,
    database_url,
    need,
    rabbitmq_available,
    redis_available,
)
from tests.helpers.subscribing import CONFIRMED_TEXT, SUBSCRIBE_PATH, form_value
from wagtail_gdpr_mail.campaigns.demo import demo_campaign
from wagtail_gdpr_mail.consent.verify import verify_chains
from wagtail_gdpr_mail.models import (
    Campaign,
    CampaignStatus,
    ConsentRecord,
    Contact,
    Delivery,
    DeliveryStatus,
    ListMembership,
    PurposeAssignment,
)
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.scaleout,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: Redis databases of this test: the broker and the cache every process shares.
REDIS_BROKER = os.environ.get("TEST_SCALEOUT_REDIS_BROKER_URL", "redis://127.0.0.1:6379/7")
REDIS_CACHE = os.environ.get("TEST_SCALEOUT_CACHE_URL", "redis://127.0.0.1:6379/8")
RABBITMQ_BROKER = os.environ.get(
    "TEST_SCALEOUT_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//"
)
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
VISITORS = 24
THREADS = 8
MY_DATA = "/gdpr-mail/my-data/"
#: The unsubscribe link of a campaign mail (also in its List-Unsubscribe header).
CAMPAIGN_UNSUBSCRIBE_LINK = re.compile(
    r"https?://[^\s<>\"]+/gdpr-mail/campaigns/unsubscribe/[^/\s<>\"]+/"
)


@dataclass
class Person:
    number: int
    email: str
    ticks_extra: bool
    double_submits: bool
    double_confirms: bool
    self_service: bool

    @classmethod
    def crowd(cls, run: str) -> list[Person]:
        return [
            cls(
                number=i,
                email=f"visitor{i}.{run}@example.cz",
                ticks_extra=i % 2 == 1,
                double_submits=i % 3 == 0,
                double_confirms=i % 4 == 0,
                self_service=i % 2 == 0 or i % 5 == 0,
            )
            for i in range(VISITORS)
        ]


# --- the set-up: page, broker, cache, processes -----------------------------------------


@pytest.fixture
def scaleout_page(make_purpose, contact_list):
    main = make_purpose("Newsletter", visitor_text="We will send you our newsletter monthly.")
    extra = make_purpose("Webinars", years=1, visitor_text="We will invite you to webinars.")
    form_id = uuid.uuid4().hex
    page = publish_test_page(
        [form_value(main=main, extras=[extra], target_list=contact_list, form_id=form_id)]
    )
    # The visitors' threads read only these plain values: a query there would open a
    # connection of that thread's own that nothing closes.
    return SimpleNamespace(
        path=page.url, form_id=form_id, main=main, extra=extra, extra_pk=extra.pk, list=contact_list
    )


@dataclass
class Broker:
    url: str
    queue: str
    cleanup: Callable[[], None]


def redis_broker(queue: str) -> Broker:
    need(redis_available(REDIS_BROKER), "Redis")
    import redis

    client = redis.Redis.from_url(REDIS_BROKER)
    client.flushdb()
    return Broker(REDIS_BROKER, queue, client.flushdb)


def rabbitmq_broker(queue: str) -> Broker:
    need(rabbitmq_available(RABBITMQ_BROKER), "RabbitMQ")
    from kombu import Connection

    def delete_queue() -> None:
        with Connection(RABBITMQ_BROKER) as conn:
            channel = conn.default_channel
            channel.queue_delete(queue)
            channel.exchange_delete(queue)  # Celery's default exchange is named after it

    return Broker(RABBITMQ_BROKER, queue, delete_queue)


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request) -> Iterator[Broker]:
    """The broker, with a queue of this run's own (RabbitMQ is shared: the queue and its
    exchange are deleted afterwards)."""
    queue = f"gdpr-mail-scaleout-{uuid.uuid4().hex[:12]}"
    configured = (redis_broker if request.param == "redis" else rabbitmq_broker)(queue)
    yield configured
    configured.cleanup()


@pytest.fixture
def shared_cache() -> str:
    need(redis_available(REDIS_CACHE), "Redis")
    import redis

    redis.Redis.from_url(REDIS_CACHE).flushdb()
    yield REDIS_CACHE
    redis.Redis.from_url(REDIS_CACHE).flushdb()


@pytest.fixture
def cluster(scaleout_page, broker, shared_cache, tmp_path):
    """Two gunicorn servers (2 sync workers each) and two Celery workers, started at
    once, stopped at the end; ``cluster.servers``, ``cluster.outbox``."""
    need(database_is_postgres(), "PostgreSQL")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.scaleout.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker.url,
        "SCALEOUT_QUEUE": broker.queue,
        "SCALEOUT_CACHE_URL": shared_cache,
        "TEST_EMAIL_BACKEND": FILE_BACKEND,
        "EMAIL_FILE_PATH": str(outbox),
        "PGAPPNAME": APPLICATION_NAME,
    }
    servers = [WebServer(env, tmp_path / f"web-{n}.log", port=free_port()) for n in (1, 2)]
    workers = [Worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        for process in [*servers, *workers]:
            process.launch()  # all four boot at once
        for process in [*servers, *workers]:
            process.wait_ready(90)
        yield SimpleNamespace(servers=servers, workers=workers, outbox=outbox, env=env)
    finally:
        for process in [*servers, *workers]:
            process.kill()  # the test has counted everything; a warm shutdown only waits
        # Their database sessions end a moment after them; the test database is
        # flushed (and at the end dropped) only once they have.
        wait_for(lambda: other_sessions() == 0, 20, "the processes' database sessions to end")


#: The processes' PostgreSQL application name (libpq reads PGAPPNAME), so that only their
#: sessions are waited for, not a connection some earlier test left open.
APPLICATION_NAME = "gdpr-mail-scaleout"


def other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND application_name = %s",
            [APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


# --- what the visitors do ---------------------------------------------------------------


def in_parallel(function: Callable, items: list) -> list:
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(function, items))


def both_at_once(*calls: Callable[[], Answer]) -> list[Answer]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def servers_for(person: Person, servers: list[WebServer]) -> tuple[str, str]:
    """The server a person opens pages on, and the other one, where they send them."""
    first = servers[person.number % 2]
    return first.url, servers[(person.number + 1) % 2].url


def subscribe(person: Person, servers, sp) -> list[Answer]:
    opens_on, sends_to = servers_for(person, servers)
    visitor = HttpVisitor()
    page = visitor.get(opens_on + sp.path)
    assert page.status == 200, page.status
    (form,) = [f for f in page.forms() if f.values.get("form_id") == sp.form_id]
    assert form.action == SUBSCRIBE_PATH
    data = {**form.values, "email": person.email, "first_name": f"Visitor {person.number}"}
    data["last_name"] = "Nová"
    if person.ticks_extra:
        data[f"purpose_{sp.extra_pk}"] = "on"
    if person.double_submits:
        return both_at_once(
            *(
                lambda url=url: visitor.post(url + SUBSCRIBE_PATH, data)
                for url in (opens_on, sends_to)
            )
        )
    return [visitor.post(sends_to + SUBSCRIBE_PATH, data)]


def confirm(person: Person, servers, link_path: str) -> list[Answer]:
    opens_on, sends_to = servers_for(person, servers)
    visitor = HttpVisitor()
    page = visitor.get(opens_on + link_path)
    assert page.status == 200, page.status
    (form,) = page.forms()
    urls = (opens_on, sends_to) if person.double_confirms else (sends_to,)
    return both_at_once(
        *(
            lambda url=url: visitor.post(url + (form.action or link_path), form.values)
            for url in urls
        )
    )


def ask_for_my_data(person: Person, servers) -> Answer:
    opens_on, sends_to = servers_for(person, servers)
    visitor = HttpVisitor()
    page = visitor.get(opens_on + MY_DATA)
    (form,) = page.forms()
    return visitor.post(sends_to + MY_DATA, {**form.values, "email": person.email})


def use_my_data(person: Person, servers, link_path: str, extra_pk: int | None) -> dict:
    """Open the link (GET on one server, the button on the other), download the export
    and withdraw the optional purpose; the session lives in the shared database."""
    opens_on, sends_to = servers_for(person, servers)
    visitor = HttpVisitor()
    (form,) = visitor.get(opens_on + link_path).forms()
    opened = visitor.post(sends_to + (form.action or link_path), form.values)
    assert opened.status == 302, (opened.status, opened.text[:500])
    manage = visitor.get(opens_on + urlsplit(opened.location).path)
    assert manage.status == 200, manage.status
    forms = {f.action: f for f in manage.forms()}
    download = forms[MY_DATA + "manage/download/"]
    exported = visitor.post(sends_to + download.action, download.values)
    assert exported.status == 200, exported.status
    if extra_pk is not None:
        withdraw = forms[f"{MY_DATA}manage/withdraw/{extra_pk}/"]
        withdrawn = visitor.post(opens_on + withdraw.action, withdraw.values)
        assert withdrawn.status == 302, (withdrawn.status, withdrawn.text[:500])
    return json.loads(exported.text)


def send_a_small_campaign(cluster, sp, people: list[Person]) -> set[str]:
    """A campaign for the newsletter purpose to the list, sent by the two workers in
    batches of five (the command publishes its tasks to the cluster's broker), then
    half the recipients unsubscribe with the one-click POST of RFC 8058, a quarter of
    them on both servers at once. Returns the addresses that must each find exactly
    one campaign mail in the outbox; every unsubscribed purpose is revoked once."""
    campaign = demo_campaign(sp.main, sp.list, name=f"Scale-out {uuid.uuid4().hex[:6]}")
    Campaign.objects.filter(pk=campaign.pk).update(unsubscribe_revokes_purpose=True)
    command = [sys.executable, "-m", "django", "gdpr_mail_campaign", "send", str(campaign.pk)]
    started = subprocess.run(command, env=cluster.env, cwd=ROOT, capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT,
        60,
        "the campaign sent to the end",
        cluster.workers[0],
    )
    deliveries = Delivery.objects.filter(campaign=campaign)
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    recipients = {p.email for p in people}
    wait_for_mail(cluster, "campaign", sorted(recipients), "one campaign mail to everyone")

    links = link_paths(cluster.outbox, CAMPAIGN_UNSUBSCRIBE_LINK)
    leaving = [p for p in people if p.number % 2 == 1]

    def unsubscribe(person: Person) -> list[Answer]:
        first, other = servers_for(person, cluster.servers)
        link = links[person.email]
        one_click = {"List-Unsubscribe": "One-Click"}
        if person.double_confirms:  # a mailbox provider and the person, at once
            return both_at_once(
                lambda: HttpVisitor().post(first + link, one_click),
                lambda: HttpVisitor().post(other + link, one_click),
            )
        return [HttpVisitor().post(first + link, one_click)]

    for answers in in_parallel(unsubscribe, leaving):
        assert all(a.status < 400 for a in answers), [(a.status, a.text[:300]) for a in answers]
    for person in leaving:
        contact = Contact.objects.by_email(person.email).get()
        revoked = ConsentRecord.objects.filter(
            contact=contact, purpose=sp.main, event=ConsentRecord.Event.REVOKED
        )
        assert revoked.count() == 1, person.email
        assert not PurposeAssignment.objects.filter(contact=contact, purpose=sp.main).valid_at()
    return recipients


def campaign_mail(text: str) -> bool:
    """Whether a sent mail is a campaign's (it carries an unsubscribe link)."""
    return CAMPAIGN_UNSUBSCRIBE_LINK.search(text) is not None


# --- the mail the workers sent ---------------------------------------------------------


def mail_by_kind(outbox: Path) -> dict[str, Counter]:
    """Per kind of mail, how many each address got."""
    kinds = {"confirm": Counter(), "my-data": Counter(), "campaign": Counter(), "other": Counter()}
    for message in sent_mail(outbox):
        text = text_of(message)
        if CONFIRM_LINK.search(text):
            kind = "confirm"
        elif ACCESS_LINK.search(text):
            kind = "my-data"
        else:
            kind = "campaign" if campaign_mail(text) else "other"
        kinds[kind][message["To"]] += 1
    return kinds


def link_paths(outbox: Path, pattern) -> dict[str, str]:
    return {
        message["To"]: urlsplit(pattern.search(text_of(message)).group()).path
        for message in sent_mail(outbox)
        if pattern.search(text_of(message))
    }


def wait_for_mail(cluster, kind: str, addresses: list[str], what: str) -> None:
    wait_for(
        lambda: set(mail_by_kind(cluster.outbox)[kind]) >= set(addresses),
        60,
        what,
        cluster.workers[0],
    )


# --- the test ---------------------------------------------------------------------------


def test_two_web_processes_and_two_workers_lose_nothing_and_double_nothing(scaleout_page, cluster):
    sp, servers = scaleout_page, cluster.servers
    people = Person.crowd(uuid.uuid4().hex[:6])
    emails = [p.email for p in people]

    # 1. Subscribing, across both servers; a third send their form to both at once.
    for answers in in_parallel(lambda p: subscribe(p, servers, sp), people):
        assert [a.status for a in answers] == [302] * len(answers), [a.text[:300] for a in answers]
    wait_for_mail(cluster, "confirm", emails, "a confirmation mail to everyone")
    wait_for(
        lambda: PendingSignup.objects.filter(mail_status="sent").count() >= VISITORS,
        30,
        "every signup marked sent",
        cluster.workers[1],
    )

    # 2. Confirming, across both servers; a quarter press the button on both at once.
    confirm_links = link_paths(cluster.outbox, CONFIRM_LINK)
    results = in_parallel(lambda p: confirm(p, servers, confirm_links[p.email]), people)
    for answers in results:
        assert all(a.status == 200 for a in answers), [(a.status, a.text[:300]) for a in answers]
        assert sum(CONFIRMED_TEXT in a.text for a in answers) >= 1

    # 3. "My data": asked for on one server, used on the other.
    asking = [p for p in people if p.self_service]
    assert {a.status for a in in_parallel(lambda p: ask_for_my_data(p, servers), asking)} == {200}
    wait_for_mail(cluster, "my-data", [p.email for p in asking], "every 'my data' link")
    access_links = link_paths(cluster.outbox, ACCESS_LINK)

    def extra_assignment(person: Person) -> int | None:
        if not person.ticks_extra:
            return None
        contact = Contact.objects.by_email(person.email).get()
        return PurposeAssignment.objects.get(contact=contact, purpose=sp.extra).pk

    extras = {p.email: extra_assignment(p) for p in asking}
    exports = in_parallel(
        lambda p: use_my_data(p, servers, access_links[p.email], extras[p.email]), asking
    )
    assert len(exports) == len(asking)
    assert all(p.email in json.dumps(export) for p, export in zip(asking, exports, strict=True))

    # 4. The campaign.
    campaign_recipients = send_a_small_campaign(cluster, sp, people)

    # Would a late duplicate follow? Give the workers a moment, then count.
    for worker in cluster.workers:
        assert worker.running(), worker.output()[-3000:]
    time.sleep(2)
    sent = mail_by_kind(cluster.outbox)
    assert sent["confirm"] == Counter(emails), "one confirmation mail per address"
    assert sent["my-data"] == Counter(p.email for p in asking), "one 'my data' mail per request"
    assert sent["campaign"] == Counter(campaign_recipients), "one campaign mail per recipient"
    assert not sent["other"], sent["other"]

    # Every contact, membership and assignment exactly once.
    assert Contact.objects.count() == VISITORS
    assert all(Contact.objects.by_email(e).count() == 1 for e in emails)
    assert ListMembership.objects.filter(contact_list=sp.list).count() == VISITORS
    per_pair = PurposeAssignment.objects.values("contact", "purpose").annotate(n=Count("pk"))
    assert {row["n"] for row in per_pair} == {1}
    assert PurposeAssignment.objects.filter(purpose=sp.main).count() == VISITORS
    assert PurposeAssignment.objects.filter(purpose=sp.extra).count() == sum(
        p.ticks_extra for p in people
    )
    withdrawn = [pk for pk in extras.values() if pk is not None]
    assert withdrawn
    assert not PurposeAssignment.objects.filter(pk__in=withdrawn).valid_at().exists()
    assert PurposeAssignment.objects.filter(pk__in=withdrawn, revoked_at__isnull=False).count() == (
        len(withdrawn)
    )

    # The consent chain of every contact verifies.
    reports = list(verify_chains(list(Contact.objects.values_list("pk", flat=True))))
    assert len(reports) == VISITORS
    assert [problem for report in reports for problem in report.problems] == []
