"""From the built wheel to a confirmed contact, as a developer following the docs gets there.

The package is built (wheel and sdist) and the wheel installed into a new virtual
environment (a real ``python -m venv``, nothing shared with this suite's). In it,
``wagtail start mysite`` makes a new site, and the named code blocks of
``docs/installation.md`` go into the files their captions name ("add at the end",
"replace the file", "new file"): the docs are what is tested. The site is
migrated; a small script does what the page has the developer do in the admin (a
purpose, a list, the form on the home page, the site's port). Then
the site's own Celery app runs a real worker on Redis (database 14) and has the
app's beat schedule, the development server serves the site, and a visitor submits the form over HTTP,
finds the mail in the file outbox the docs set up, opens the link and presses the
button. The contact is then read back through the site's ``manage.py shell``.

Finally the sdist is unpacked and a part of its test suite runs from it (see
:data:`SDIST_SUITE`).

Marked ``install``: it runs in the SQLite pass of ``make test`` only. It needs the
package index (the new environment installs the wheel's dependencies, from pip's
cache where it can) and Redis; without them it skips, except in CI, where it fails.
Two to four minutes in all, depending on the machine's load (pip and Wagtail's
migrations take most of it).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from tests.helpers.html_forms import parse_forms
from tests.helpers.http import free_port
from tests.helpers.keygen import environment_lines
from tests.helpers.links import CONFIRM_LINK
from tests.helpers.mail_files import sent_mail, text_of
from tests.helpers.packaging import ROOT, build_distributions
from tests.helpers.processes import BackgroundProcess, Worker, wait_for
from tests.helpers.services import IN_CI, need, redis_available
from tests.helpers.subscribing import CONFIRMED_TEXT, SUBSCRIBE_PATH

pytestmark = pytest.mark.install

INSTALLATION_DOC = ROOT / "docs" / "installation.md"
BROKER_URL = os.environ.get("TEST_FRESH_INSTALL_BROKER_URL", "redis://127.0.0.1:6379/14")
INDEX_URL = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")
EMAIL = "fresh.install@example.cz"
#: The part of the suite run from the unpacked sdist: the layout rules (every module of
#: the package imported, module sizes, no import circles, old import paths) and
#: encryption and keys (keygen included, the migrations run for the test database),
#: in about half a minute. The whole suite (browsers, real workers, the example site,
#: which the sdist does not carry) is what ``make test`` runs from the checkout.
SDIST_SUITE = ["tests/test_layout.py", "tests/crypto"]

#: A named code block of the docs: ```{code-block} <lang>, :name:, :caption:, the code.
CODE_BLOCK = re.compile(
    r"^```\{code-block\} [^\n]+\n:name: (?P<name>install-[\w-]+)\n:caption: (?P<caption>[^\n]+)\n"
    r"\n?(?P<code>.*?)^```$",
    re.M | re.S,
)
#: The blocks the page must hold, in its order: a renamed or dropped block fails here.
DOCUMENTED_BLOCKS = [
    "install-settings",
    "install-dev-settings",
    "install-urls",
    "install-celery",
    "install-celery-init",
    "install-models",
    "install-template",
]

#: What the developer does in the admin (docs/installation.md, "A purpose, a list and
#: the form"), as a script for ``manage.py shell``: the site's port is the server's.
ADMIN_STEPS = """
import json
from wagtail.models import Site
from wagtail.rich_text import RichText
from home.models import HomePage
from wagtail_gdpr_mail.blocks import SubscriptionFormBlock
from wagtail_gdpr_mail.models import ContactList, LegalBasis, ProcessingPurpose, RetentionUnit

site = Site.objects.get(is_default_site=True)
site.port = {port}
site.save()
purpose = ProcessingPurpose.objects.create(
    name="Newsletter",
    legal_basis=LegalBasis.objects.get(code="consent"),
    retention_amount=3,
    retention_unit=RetentionUnit.YEARS,
    visitor_text="We will send you our newsletter about once a month.",
)
purpose.save_revision(log_action=False)  # what the admin's Save does
subscribers = ContactList.objects.create(name="Newsletter subscribers")
form = SubscriptionFormBlock().get_default()
form["main_purpose"] = purpose
form["target_list"] = subscribers
form["info_text"] = RichText("<p>Fresh Site s.r.o. sends its newsletter to those who ask.</p>")
form["privacy_url"] = "https://example.com/privacy/"
home = HomePage.objects.get(slug="home")
home.body = [("subscription_form", form)]
home.save_revision().publish()
# Beat would run the app's periodic jobs: the site's Celery app has them.
from mysite.celery import app
print(json.dumps({{"url": home.full_url, "beat": sorted(app.conf.beat_schedule)}}))
"""

#: What the admin's contact listing would show, as a script for ``manage.py shell``.
READ_CONTACT = """
import json
from django.utils import timezone
from wagtail_gdpr_mail.models import Contact
contacts = list(Contact.objects.by_email({email!r}))
print(json.dumps([
    {{
        "email": c.email,
        "lists": [m.contact_list.name for m in c.memberships.all()],
        "valid_purposes": [
            a.purpose.name for a in c.assignments.all() if a.is_valid_at(timezone.now())
        ],
        "consent_records": c.consent_records.count(),
    }}
    for c in contacts
]))
"""


def documented_blocks() -> list[tuple[str, str, str]]:
    """(name, caption, code) of the installation page's named blocks."""
    return [
        (m["name"], m["caption"], m["code"])
        for m in CODE_BLOCK.finditer(INSTALLATION_DOC.read_text())
    ]


def apply_block(site: Path, caption: str, code: str) -> None:
    """Do what the caption says: ``<path> (add at the end | replace the file | new file)``."""
    path_text, _, action = caption.partition(" (")
    path = site / path_text
    if action == "add at the end)":
        assert path.exists(), f"{path_text} is not in a new Wagtail site"
        path.write_text(path.read_text() + "\n\n" + code)
    elif action in ("replace the file)", "new file)"):
        assert path.exists() == (action == "replace the file)"), caption
        path.write_text(code)
    else:
        pytest.fail(f"docs/installation.md: a caption this test cannot follow: {caption!r}")


def index_reachable() -> bool:
    try:
        with urllib.request.urlopen(INDEX_URL, timeout=10):  # noqa: S310 - a fixed https URL
            return True
    except (OSError, urllib.error.URLError):
        return False


def install_into_new_venv(wheel: Path, where: Path) -> tuple[str, dict[str, str]]:
    """``pip install <wheel>[redis]`` into a new virtual environment; returns its python
    and an environment for its commands (none of this suite's settings in it)."""
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    python, bin_dir = str(venv / "bin" / "python"), venv / "bin"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "WAGTAIL_GDPR_MAIL_", "CELERY_", "ANYMAIL_", "PYTHON"))
        and key not in {"DATABASE_URL", "TEST_EMAIL_BACKEND", "EMAIL_FILE_PATH", "VIRTUAL_ENV"}
    }
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv))
    install = subprocess.run(  # noqa: S603
        [python, "-m", "pip", "install", "--quiet", f"{wheel}[redis]"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if install.returncode != 0 and not IN_CI and not index_reachable():
        pytest.skip(f"pip cannot reach the package index ({INDEX_URL}).")
    assert install.returncode == 0, install.stderr[-3000:]
    return python, env


def run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout + result.stderr


class Visitor:
    """A browser without JavaScript: cookies, redirects, forms sent back as they are."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def open(self, url: str, data: dict[str, str] | None = None) -> str:
        body = urlencode(data).encode() if data is not None else None
        with self.opener.open(url, data=body, timeout=30) as response:  # noqa: S310
            assert response.status == 200, (url, response.status)
            return response.read().decode()

    def send_form(self, page_url: str, html: str, action: str, **typed: str) -> str:
        """Send back the page's POST form whose action is ``action`` (a form without an
        action posts to the page itself)."""
        here = urlsplit(page_url).path
        (form,) = [
            f for f in parse_forms(html) if f.method == "post" and (f.action or here) == action
        ]
        return self.open(urljoin(page_url, form.action or page_url), {**form.values, **typed})


@pytest.fixture(scope="module")
def distributions(tmp_path_factory) -> tuple[Path, Path]:
    return build_distributions(tmp_path_factory.mktemp("fresh-install-build"))


@pytest.fixture
def redis_db():
    need(redis_available(BROKER_URL), "Redis")
    import redis  # only where Redis is needed; the suite runs without it

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_a_new_wagtail_site_confirms_a_subscriber_by_following_the_installation_page(
    distributions, redis_db, tmp_path
):
    blocks = documented_blocks()
    assert [name for name, _, _ in blocks] == DOCUMENTED_BLOCKS

    wheel, _ = distributions
    python, env = install_into_new_venv(wheel, tmp_path)
    bin_dir = Path(python).parent

    # wagtail start, the keys, and the page's code blocks.
    run([str(bin_dir / "wagtail"), "start", "mysite"], cwd=tmp_path, env=env)
    site = tmp_path / "mysite"
    keys = environment_lines(run([python, "-m", "wagtail_gdpr_mail.keygen"], cwd=site, env=env))
    env.update(keys, CELERY_BROKER_URL=BROKER_URL, ANYMAIL_WEBHOOK_SECRET="fresh:install-secret")
    for _, caption, code in blocks:
        apply_block(site, caption, code)

    manage = [python, "manage.py"]
    run([*manage, "makemigrations"], cwd=site, env=env)
    run([*manage, "migrate", "--noinput"], cwd=site, env=env)
    port = free_port()
    setup = run([*manage, "shell", "-c", ADMIN_STEPS.format(port=port)], cwd=site, env=env)
    state = json.loads(setup.strip().splitlines()[-1])
    home_url = state["url"]
    assert home_url == f"http://localhost:{port}/"
    assert "wagtail-gdpr-mail-sweep-unsent-mail" in state["beat"]

    processes: list[BackgroundProcess] = []
    try:
        worker = Worker(env, tmp_path / "worker.log", app="mysite", cwd=site, python=python)
        processes.append(worker)
        worker.start(timeout=60)
        server = BackgroundProcess(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=site, env={**env, "PYTHONUNBUFFERED": "1"}, log_path=tmp_path / "server.log",
        )  # fmt: skip
        server.launch()
        processes.append(server)
        wait_for(lambda: not server.running() or _answers(home_url), 60, "the site", server)
        assert server.running(), server.output()[-4000:]
        # runserver ran the system checks (in its own thread): no E040, W041, W042, E0xx.
        assert "System check identified no issues" in server.output(), server.output()
        assert "wagtail_gdpr_mail." not in server.output()

        # The visitor subscribes ...
        visitor = Visitor()
        page = visitor.open(home_url)
        assert "data-gdpr-mail-form" in page
        time.sleep(2.5)  # a person takes a moment (WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS: 2)
        answer = visitor.send_form(home_url, page, SUBSCRIBE_PATH, email=EMAIL, first_name="Ema")
        assert "data-gdpr-mail-success" in answer

        # ... the worker sends the mail into the outbox of the docs' development settings ...
        outbox = site / "sent-mail"
        (mail,) = wait_for(lambda: sent_mail(outbox), 60, "the confirmation mail", worker)
        assert mail["To"] == EMAIL
        (link,) = set(CONFIRM_LINK.findall(text_of(mail)))
        assert link.startswith(home_url), link

        # ... and the visitor opens the link and presses the button.
        confirm_page = visitor.open(link)
        done = visitor.send_form(link, confirm_page, urlsplit(link).path)
        assert CONFIRMED_TEXT in done
    finally:
        for process in reversed(processes):
            process.stop()
        for process in processes:
            process.kill()

    stored = run([*manage, "shell", "-c", READ_CONTACT.format(email=EMAIL)], cwd=site, env=env)
    (contact,) = json.loads(stored.strip().splitlines()[-1])
    assert contact["email"] == EMAIL
    assert contact["lists"] == ["Newsletter subscribers"]
    assert contact["valid_purposes"] == ["Newsletter"]
    assert contact["consent_records"] == 1


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def test_the_sdists_test_suite_runs_from_the_unpacked_sdist(distributions, tmp_path):
    _, sdist = distributions
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.iterdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
    }
    # pytest's pythonpath="." puts the unpacked sdist first: its package is the one tested.
    where = run(
        [sys.executable, "-c", "import wagtail_gdpr_mail; print(wagtail_gdpr_mail.__file__)"],
        cwd=unpacked,
        env={**env, "PYTHONPATH": "."},
    )
    assert Path(where.strip()).is_relative_to(unpacked)
    output = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SDIST_SUITE],
        cwd=unpacked,
        env=env,
        timeout=900,
    )
    summary = output.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
