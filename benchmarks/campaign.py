"""A campaign to 100,000 recipients on PostgreSQL through Anymail's test backend.

What is measured
----------------
``--recipients`` contacts (default 100,000) with real encrypted addresses, each in
the list and holding the newsletter purpose (``tests/helpers/campaign_seed.py``).

1. One worker process: a campaign to all of them. The recipients are frozen in the
   parent (``campaigns.recipients.freeze``, one INSERT … SELECT, timed on its own);
   then one process runs the send task (``send_campaign``, what a Celery worker runs)
   until every row is sent: SKIP LOCKED claims with the re-check, one Anymail batch
   message per ``CAMPAIGN_BATCH_SIZE`` recipients (merge data, merge metadata, merge
   headers), rows marked sent. Messages per second = recipients / the process's
   sending time (from its first claim to its last commit). Its peak memory (max RSS).
2. The same with 10,000 recipients, for the peak memory (flat: it should not grow
   with the campaign).
3. Two worker processes sharing a campaign to all of them: recipients / wall time
   from the first start to the last finish.
4. The naive loop, in this process, on ``--naive`` recipients (default 5,000): for
   each recipient, render the mail with its links, build one ``EmailMessage`` and send
   it through the same backend.

The ESP is Anymail's test backend that forgets what it sent (``DiscardingTestBackend``:
the stock one keeps every message in ``mail.outbox``, which would be the benchmark's
memory, and looks each message up in that list, which would be its time).
Last line: the ratio of one worker to the naive loop. Goals: at least 10× naive, at
least 2,000 messages per second per worker, two workers at least 1.7× one.

Database: DATABASE_URL (PostgreSQL only) or ``gdpr_mail_campaign_bench``, created if
missing. Never point it at data you care about.

Run from the repository root::

    python benchmarks/campaign.py
    python benchmarks/campaign.py --recipients 20000 --naive 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import bench_purpose, configure_postgres, setup_django  # noqa: E402 - shared helpers
from anymail.backends.test import EmailBackend as AnymailTestBackend

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_campaign_bench"
BACKEND = "campaign.DiscardingTestBackend"
SCRIPT = Path(__file__).resolve()


class DiscardingTestBackend(AnymailTestBackend):
    """Anymail's test backend (payload, merge data, recipient status) without keeping
    the messages."""

    def get_esp_message_id(self, message):
        from django.core import mail

        mail.outbox.clear()
        return "bench"


def _environment() -> None:
    os.environ["EMAIL_BACKEND"] = BACKEND
    os.environ.pop("CELERY_BROKER_URL", None)


# --- the worker process ---------------------------------------------------------------


def worker(campaign_id: int) -> None:
    """Run the send task for ``campaign_id`` in this process; print what it did (JSON)."""
    from wagtail_gdpr_mail.campaigns.tasks import send_campaign

    started = time.time()
    result = send_campaign.apply(args=[campaign_id]).get()
    finished = time.time()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"started": started, "finished": finished, "peak_kb": peak_kb, "result": result})
    )


# --- the parent -------------------------------------------------------------------------


def fixtures(count: int):
    from django.db import transaction

    from tests.helpers.bulk_seed import analyze
    from tests.helpers.campaign_seed import seed_recipients
    from wagtail_gdpr_mail.models import ContactList

    purpose = bench_purpose("Campaign benchmark newsletter")
    everyone, _ = ContactList.objects.get_or_create(name="Campaign benchmark: everyone")
    have = everyone.memberships.count()
    if have < count:
        started = time.perf_counter()
        with transaction.atomic():
            seed_recipients(count - have, purpose, everyone, start=have)
        analyze()
        print(f"seeded {count - have} recipients in {time.perf_counter() - started:.1f} s")
    return purpose, everyone


def sub_list(everyone, count: int):
    """A list of the first ``count`` recipients of ``everyone``."""
    from django.db import connection

    from wagtail_gdpr_mail.models import ContactList, ListMembership

    some, created = ContactList.objects.get_or_create(name=f"Campaign benchmark: {count}")
    if created:
        table = ListMembership._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (contact_id, contact_list_id, added_at) "  # noqa: S608
                f"SELECT contact_id, %s, added_at FROM {table} WHERE contact_list_id = %s "
                "ORDER BY contact_id LIMIT %s",
                [some.pk, everyone.pk, count],
            )
    return some


def new_campaign(purpose, contact_list, label: str):
    from wagtail_gdpr_mail.campaigns.demo import demo_campaign

    return demo_campaign(purpose, contact_list, name=f"Benchmark {label} {time.time_ns()}")


def freeze(campaign) -> tuple[int, float]:
    """Freeze the recipients and mark the campaign sending (no task published)."""
    from django.db import transaction
    from django.utils import timezone

    from wagtail_gdpr_mail.campaigns.recipients import freeze as freeze_recipients
    from wagtail_gdpr_mail.models import Campaign, CampaignStatus

    started = time.perf_counter()
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(
            status=CampaignStatus.SENDING, started_at=timezone.now()
        )
        added = freeze_recipients(campaign)
    return added, time.perf_counter() - started


def run_workers(campaign, processes: int) -> tuple[float, list[dict]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    children = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(SCRIPT), "--worker", str(campaign.pk)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    reports = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode:
            sys.exit(f"a worker failed (exit {child.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    return wall, reports


def check_sent(campaign, expected: int) -> None:
    from wagtail_gdpr_mail.models import DeliveryStatus

    sent = campaign.deliveries.filter(status=DeliveryStatus.SENT).count()
    assert sent == expected, f"{sent} of {expected} sent"
    assert campaign.deliveries.count() == expected


def naive(purpose, contact_list, count: int) -> float:
    """One rendered mail, one EmailMessage, one send per recipient."""
    from django.core.mail import EmailMultiAlternatives

    from wagtail_gdpr_mail.campaigns import compose
    from wagtail_gdpr_mail.campaigns.recipients import recipients
    from wagtail_gdpr_mail.mail import default_site
    from wagtail_gdpr_mail.tokens import new_token

    campaign = new_campaign(purpose, contact_list, "naive")
    site = default_site()
    people = recipients(campaign).order_by("pk")[:count]
    started = time.perf_counter()
    sent = 0
    for person in people.iterator(chunk_size=2000):
        token = new_token()
        html = compose._render(campaign, site, token)
        message = EmailMultiAlternatives(
            subject=campaign.subject,
            body=compose.html_to_text(html),
            to=[person.email],
            headers=compose.CampaignMail(
                "", "", [], "", "", "", compose.unsubscribe_url("{t}", site), None
            ).headers(token),
        )
        message.attach_alternative(html, "text/html")
        message.send()
        sent += 1
    return sent / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="the memory comparison run")
    parser.add_argument("--naive", type=int, default=5_000, help="recipients of the naive loop")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    _environment()
    configure_postgres(DEFAULT_DATABASE_URL, "campaign.py")
    setup_django()
    if args.worker:
        worker(args.worker)
        return

    from django.conf import settings
    from django.core.management import call_command

    from wagtail_gdpr_mail.conf import app_settings

    call_command("migrate", interactive=False, verbosity=0)
    purpose, everyone = fixtures(args.recipients)
    print(
        f"backend {settings.EMAIL_BACKEND}, batch {app_settings.CAMPAIGN_BATCH_SIZE}, "
        f"{args.recipients} recipients"
    )

    one = new_campaign(purpose, everyone, "one worker")
    added, frozen = freeze(one)
    print(f"freeze: {added} delivery rows in {frozen:.2f} s ({added / frozen:,.0f} rows/s)")
    wall, (report,) = run_workers(one, 1)
    check_sent(one, added)
    rate_one = added / wall
    print(
        f"1 worker:  {rate_one:,.0f} msgs/s ({wall:.1f} s), peak {report['peak_kb'] / 1024:.0f} MiB"
    )

    small_list = sub_list(everyone, args.small)
    small = new_campaign(purpose, small_list, "small")
    small_added, _ = freeze(small)
    small_wall, (small_report,) = run_workers(small, 1)
    check_sent(small, small_added)
    print(
        f"1 worker, {small_added} recipients: {small_added / small_wall:,.0f} msgs/s, "
        f"peak {small_report['peak_kb'] / 1024:.0f} MiB "
        f"(vs {report['peak_kb'] / 1024:.0f} MiB at {added})"
    )

    two = new_campaign(purpose, everyone, "two workers")
    added_two, _ = freeze(two)
    wall_two, reports = run_workers(two, 2)
    check_sent(two, added_two)
    rate_two = added_two / wall_two
    print(
        f"2 workers: {rate_two:,.0f} msgs/s ({wall_two:.1f} s), {rate_two / rate_one:.2f}× one "
        f"(goal ≥ 1.7×); results {[r['result'] for r in reports]}"
    )

    rate_naive = naive(purpose, everyone, min(args.naive, args.recipients))
    print(f"naive loop: {rate_naive:,.0f} msgs/s ({min(args.naive, args.recipients)} recipients)")
    print(
        f"ratio: one worker {rate_one:,.0f} msgs/s = {rate_one / rate_naive:.1f}× the naive loop "
        f"(goals: ≥ 10×, ≥ 2,000 msgs/s)"
    )


if __name__ == "__main__":
    main()
