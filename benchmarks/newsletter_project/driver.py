"""The django-newsletter side of ``benchmarks/subscribe.py``, in a process of its own.

Two Django projects cannot share one process, so ``subscribe.py`` starts this one
and drives it over a pipe, request by request, interleaved with its own POSTs.
One JSON object per line in, one out:

* ``{"op": "setup"}``: migrate, create the newsletter (slug ``bench``); answers the
  versions.
* ``{"op": "post", "email": "..."}``: one subscribe POST through ``django.test.Client``,
  timed with ``time.perf_counter`` around ``client.post`` only; answers ``seconds``.
* ``{"op": "queries", "email": "..."}``: one untimed POST under
  ``CaptureQueriesContext``; answers the SQL.
* ``{"op": "check", "count": n}``: the subscriptions and mails stored since the last
  check, which must both be ``n``.
* ``{"op": "cleanup"}``, then the process ends.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "newsletter_project.settings"

import warnings  # noqa: E402

warnings.simplefilter("ignore")

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from newsletter.models import Newsletter, Subscription  # noqa: E402

SLUG = "bench"
URL = f"/newsletter/{SLUG}/subscribe/"


def setup() -> dict:
    from importlib.metadata import version

    call_command("migrate", interactive=False, verbosity=0)
    setup_test_environment()  # the locmem backend's mail.outbox
    from django.contrib.sites.models import Site

    newsletter, _ = Newsletter.objects.get_or_create(
        slug=SLUG,
        defaults={"title": "Benchmark newsletter", "email": "news@example.com", "sender": "News"},
    )
    newsletter.site.add(Site.objects.get_current())
    Subscription.objects.filter(newsletter__slug=SLUG).delete()
    return {"django_newsletter": version("django-newsletter"), "django": django.get_version()}


def post(client: Client, email: str) -> float:
    data = {"name_field": "Jana", "email_field": email}
    start = time.perf_counter()
    response = client.post(URL, data)
    seconds = time.perf_counter() - start
    if response.status_code != 302:
        raise SystemExit(f"django-newsletter subscribe: HTTP {response.status_code}")
    return seconds


def main() -> None:
    client = Client(enforce_csrf_checks=False)
    stored = 0
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "setup":
            answer = setup()
        elif op == "post":
            answer = {"seconds": post(client, command["email"])}
        elif op == "queries":
            with CaptureQueriesContext(connection) as captured:
                post(client, command["email"])
            answer = {"sql": [q["sql"] for q in captured.captured_queries]}
        elif op == "check":
            now = Subscription.objects.filter(newsletter__slug=SLUG).count()
            answer = {"subscriptions": now - stored, "mails": len(mail.outbox)}
            stored = now
            mail.outbox.clear()
        elif op == "cleanup":
            Subscription.objects.filter(newsletter__slug=SLUG).delete()
            answer = {}
        else:
            answer = {"error": f"unknown op {op!r}"}
        print(json.dumps(answer), flush=True)
        if op == "cleanup":
            return


if __name__ == "__main__":
    main()
