"""Can response time tell whether an address is known? (issue 9, item 9)

Times single requests to the two public endpoints that take an address:

- ``/gdpr-mail/my-data/``: addresses of contacts vs. addresses nobody holds;
- ``/gdpr-mail/subscribe/``: addresses with a pending signup (in the quiet period)
  vs. addresses never seen (a fresh one per request, as an attacker would probe).

Requests go through Django's test client against the test project
(``tests.test_project``), with Celery publishing to an in-memory broker: the
request path as production runs it (the mail and the access lookup happen in a
worker, which the visitor does not wait for). Rate limits are lifted so that
every request does the full work. PostgreSQL (database ``gdpr_mail_public``)
when it answers, else a temporary SQLite file.

For each endpoint it prints the accuracy of the best single-threshold classifier
("faster than t ms means known"), over interleaved samples; 0.5 is a coin toss.
The last line is what the acceptance check reads; the goal is <= 0.6.

    python benchmarks/enumeration.py [--addresses 30] [--rounds 8]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import time
import uuid

from _common import ROOT, postgres_database_or_sqlite

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_public"
GOAL = 0.6


def best_threshold_accuracy(known: list[float], unknown: list[float]) -> float:
    """The accuracy of the best rule "time < t means one class" (either way round)."""
    samples = sorted([(t, 1) for t in known] + [(t, 0) for t in unknown])
    total, n_known = len(samples), len(known)
    best, below_known, below_unknown = 0.0, 0, 0
    for index in range(total + 1):
        # Everything below the cut is called "known": right are the known below and
        # the unknown above; or the other way round.
        right = below_known + (len(unknown) - below_unknown)
        best = max(best, right / total, (total - right) / total)
        if index < total:
            if samples[index][1]:
                below_known += 1
            else:
                below_unknown += 1
    assert below_known == n_known
    return best


def setup() -> str | None:
    description, tmp = postgres_database_or_sqlite(DEFAULT_URL, "gdpr-enum-")
    print(f"database: {description}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.test_project.settings"
    # A broker URL switches the test project's eager Celery off; nothing consumes it.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.chdir(ROOT)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", interactive=False, verbosity=0)
    from django.conf import settings

    settings.DEBUG = False
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0
    unlimited = (10**9, 3600)
    settings.WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP = unlimited
    settings.WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_ADDRESS = unlimited
    return tmp


def seed(addresses: int):
    from tests.helpers.pages import publish_test_page
    from tests.helpers.subscribing import form_value
    from wagtail_gdpr_mail.models import (
        AccessRequest,
        Contact,
        ContactList,
        LegalBasis,
        ProcessingPurpose,
    )
    from wagtail_gdpr_mail.models.signups import PendingSignup

    run = uuid.uuid4().hex[:8]
    AccessRequest.objects.all().delete()
    PendingSignup.objects.all().delete()
    purpose = ProcessingPurpose.objects.create(
        name=f"Enumeration newsletter {run}",
        legal_basis=LegalBasis.objects.get(code="consent"),
        visitor_text="Monthly news.",
    )
    purpose.save_revision(log_action=False)
    target = ContactList.objects.create(name=f"Enumeration {run}")
    form_id = uuid.uuid4().hex
    page = publish_test_page(
        [form_value(main=purpose, target_list=target, form_id=form_id)], slug=f"enum-{run}"
    )
    known = [f"known.{run}.{i}@example.com" for i in range(addresses)]
    for email in known:
        Contact.objects.create(email=email, first_name="Known")
    return page, form_id, known, run


def form_data(client, page, form_id) -> dict[str, str]:
    from tests.helpers.subscribing import subscription_forms

    form = subscription_forms(client.get(page.url).content.decode())[form_id]
    return dict(form.values)


def timed_post(client, path: str, data: dict[str, str]) -> float:
    start = time.perf_counter()
    response = client.post(path, data)
    elapsed = time.perf_counter() - start
    assert response.status_code in (200, 302), (path, response.status_code)
    return elapsed


def measure_my_data(client, known: list[str], run: str, rounds: int) -> float:
    unknown = [f"unknown.{run}.{i}@example.com" for i in range(len(known))]
    plan = [(True, e) for e in known for _ in range(rounds)]
    plan += [(False, e) for e in unknown for _ in range(rounds)]
    random.shuffle(plan)
    for _, email in plan[:20]:  # warm-up
        timed_post(client, "/gdpr-mail/my-data/", {"email": email})
    times: dict[bool, list[float]] = {True: [], False: []}
    for is_known, email in plan:
        times[is_known].append(timed_post(client, "/gdpr-mail/my-data/", {"email": email}))
    return best_threshold_accuracy(times[True], times[False])


def measure_subscribe(client, page, form_id, run: str, addresses: int, rounds: int) -> float:
    base = form_data(client, page, form_id)
    pending = [f"pending.{run}.{i}@example.com" for i in range(addresses)]
    for email in pending:  # now pending, in the quiet period
        timed_post(client, "/gdpr-mail/subscribe/", {**base, "email": email})
    fresh = iter(f"fresh.{run}.{i}@example.com" for i in range(10**6))
    plan = [True] * (addresses * rounds) + [False] * (addresses * rounds)
    random.shuffle(plan)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(20):  # warm-up
        timed_post(client, "/gdpr-mail/subscribe/", {**base, "email": next(fresh)})
    for index, is_pending in enumerate(plan):
        email = pending[index % addresses] if is_pending else next(fresh)
        data = {**base, "email": email, "first_name": "Probe"}
        times[is_pending].append(timed_post(client, "/gdpr-mail/subscribe/", data))
    return best_threshold_accuracy(times[True], times[False])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=30, help="per class (at least 30)")
    parser.add_argument("--rounds", type=int, default=8, help="requests per address")
    args = parser.parse_args()
    addresses = max(30, args.addresses)
    tmp = setup()
    try:
        from django.test import Client

        random.seed(9)
        page, form_id, known, run = seed(addresses)
        client = Client(REMOTE_ADDR="198.51.100.7")
        my_data = measure_my_data(client, known, run, args.rounds)
        subscribe = measure_subscribe(client, page, form_id, run, addresses, args.rounds)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    verdict = "ok" if max(my_data, subscribe) <= GOAL else "TOO HIGH"
    print(f"{addresses} known and {addresses} unknown addresses, {args.rounds} requests each")
    print(
        f"enumeration accuracy: my-data {my_data:.2f}, subscribe {subscribe:.2f} "
        f"(goal <= {GOAL}) {verdict}"
    )


if __name__ == "__main__":
    main()
