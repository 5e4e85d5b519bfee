"""The Czech translation: complete for the current code, compiled, and shown.

When a test here fails after you added or changed a user-visible string, refresh
the catalogue, translate what it names and compile it::

    make messages   # makemessages -l cs --no-obsolete, then compilemessages -l cs

then translate the entries the failure lists in
``wagtail_gdpr_mail/locale/cs/LC_MESSAGES/django.po`` (all three Czech plural
forms, no ``fuzzy`` flags left) and run ``make messages`` again to compile.

The ``.po`` files are read with the small parser below, and compiled catalogues
with :mod:`gettext`, so the tests need no third-party package; they need GNU
gettext (``msgfmt``, ``xgettext``…), which CI installs.
"""

from __future__ import annotations

import gettext
import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

import wagtail_gdpr_mail
from tests.helpers.services import need

PACKAGE = Path(wagtail_gdpr_mail.__file__).resolve().parent
LC_MESSAGES = PACKAGE / "locale" / "cs" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
CZECH_PLURAL_FORMS = "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;"
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib", "msgfmt")
HOW_TO_FIX = (
    "Run `make messages` (or, in wagtail_gdpr_mail/: `django-admin makemessages -l cs "
    "--no-obsolete`), translate these entries in {po}, then run `make messages` again "
    "(`django-admin compilemessages -l cs`)."
)


def need_gettext() -> None:
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    need(not missing, f"GNU gettext ({', '.join(missing)})")


# --- A tiny .po reader ------------------------------------------------------------

HEADER = (None, "")
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
# Named placeholders, which a translation must keep exactly (msgfmt --check only
# checks entries that xgettext flagged as a format string).
_PLACEHOLDER = re.compile(r"%\([^)]+\)[a-zA-Z]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def _unquote(quoted: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), quoted[1:-1])


@dataclass
class Message:
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid or "")

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def describe(self) -> str:
        context = f" [context {self.msgctxt!r}]" if self.msgctxt is not None else ""
        where = f" ({', '.join(self.references[:3])})" if self.references else ""
        return f"{self.msgid!r}{context}{where}"


def parse_po(path: Path) -> dict[tuple[str | None, str], Message]:
    """The messages of a .po file by (msgctxt, msgid); the header is under ``HEADER``.

    Obsolete (``#~``) entries are left out.
    """
    messages: dict[tuple[str | None, str], Message] = {}
    entry: Message | None = None
    target: tuple[str, int] = ("msgid", 0)
    flags: set[str] = set()
    references: list[str] = []

    def close() -> None:
        if entry is not None and entry.msgid is not None:
            messages[entry.key] = entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#:"):
            references.extend(line[2:].split())
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if entry is None:
                raise ValueError(f"{path}:{number}: a string outside an entry")
            value = _unquote(line)
        else:
            match = _KEYWORD.match(line)
            if match is None:
                raise ValueError(f"{path}:{number}: cannot read {raw!r}")
            keyword, index, quoted = match.groups()
            if keyword == "msgctxt" or (
                keyword == "msgid" and (entry is None or entry.msgid is not None)
            ):
                close()
                entry = Message(flags=flags, references=references)
                flags, references = set(), []
            if entry is None:
                raise ValueError(f"{path}:{number}: {keyword} before msgid")
            target = (keyword, int(index or 0))
            value = _unquote(quoted)
            if keyword == "msgstr":
                entry.msgstr[target[1]] = ""
            else:
                setattr(entry, keyword, "")
        keyword, index = target
        if keyword == "msgstr":
            entry.msgstr[index] += value
        else:
            setattr(entry, keyword, getattr(entry, keyword) + value)
    close()
    return messages


def header_fields(messages: dict[tuple[str | None, str], Message]) -> dict[str, str]:
    header = messages.get(HEADER)
    text = header.msgstr.get(0, "") if header else ""
    fields = (line.partition(":") for line in text.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, _, value in fields}


def nplurals(messages: dict[tuple[str | None, str], Message]) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header_fields(messages).get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def translation_problems(
    fresh: dict[tuple[str | None, str], Message],
    committed: dict[tuple[str | None, str], Message],
) -> list[str]:
    """What is missing from ``committed`` for every message of ``fresh``."""
    forms = nplurals(committed)
    problems = []
    for key, message in sorted(fresh.items(), key=lambda item: (item[0][1], item[0][0] or "")):
        if key == HEADER:
            continue
        done = committed.get(key)
        if done is None:
            problems.append(f"{message.describe()}: not in the catalogue")
            continue
        if done.fuzzy:
            problems.append(f"{message.describe()}: fuzzy")
            continue
        if done.msgid_plural != message.msgid_plural:
            problems.append(f"{message.describe()}: the plural msgid changed")
            continue
        wanted = list(range(forms)) if message.msgid_plural else [0]
        if sorted(done.msgstr) != wanted or not all(done.msgstr.values()):
            what = f"all {forms} plural forms" if message.msgid_plural else "a translation"
            problems.append(f"{message.describe()}: needs {what}")
            continue
        problems.extend(
            f"{message.describe()}: msgstr[{index}] {text!r} {trouble}"
            for index, text in sorted(done.msgstr.items())
            if (trouble := _placeholder_trouble(message, index, text))
        )
    return problems


def _placeholder_trouble(message: Message, index: int, text: str) -> str:
    """Why ``text`` (plural form ``index``) does not fit the message's placeholders, or ""."""
    singular = set(_PLACEHOLDER.findall(message.msgid))
    plural = set(_PLACEHOLDER.findall(message.msgid_plural))
    used = set(_PLACEHOLDER.findall(text))
    if used - singular - plural:
        return f"uses placeholders the code does not pass: {sorted(used - singular - plural)}"
    # Czech form 0 is for n == 1, like the English singular; the others like the plural.
    kept = singular if index == 0 else plural
    if kept - used:
        return f"drops the placeholders {sorted(kept - used)}"
    return ""


def test_the_po_reader_reads_what_gettext_writes(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        "\n".join(
            [
                'msgid ""',
                'msgstr ""',
                '"Language: cs\\n"',
                '"Plural-Forms: nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;\\n"',
                "",
                "#: a.py:1 b.html:2",
                'msgid "Long "',
                '"text with \\"quotes\\""',
                'msgstr "Dlouhý "',
                '"text s „uvozovkami“"',
                "",
                "#, fuzzy, python-format",
                'msgid "%(n)s item"',
                'msgid_plural "%(n)s items"',
                'msgstr[0] "%(n)s položka"',
                'msgstr[1] "%(n)s položky"',
                'msgstr[2] ""',
                "",
                'msgctxt "month"',
                'msgid "May"',
                'msgstr "Květen"',
                "",
                '#~ msgid "Gone"',
                '#~ msgstr "Pryč"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    messages = parse_po(po)
    assert set(messages) == {
        HEADER,
        (None, 'Long text with "quotes"'),
        (None, "%(n)s item"),
        ("month", "May"),
    }
    assert messages[(None, 'Long text with "quotes"')].msgstr == {0: "Dlouhý text s „uvozovkami“"}
    assert messages[(None, 'Long text with "quotes"')].references == ["a.py:1", "b.html:2"]
    plural = messages[(None, "%(n)s item")]
    assert plural.fuzzy and plural.msgid_plural == "%(n)s items" and plural.msgstr[2] == ""
    assert nplurals(messages) == 3 and header_fields(messages)["Language"] == "cs"
    fresh = {
        key: Message(msgctxt=m.msgctxt, msgid=m.msgid, msgid_plural=m.msgid_plural)
        for key, m in messages.items()
    }
    assert len(translation_problems(fresh, messages)) == 1  # the fuzzy plural


# --- The committed catalogue ------------------------------------------------------


def test_catalogue_header_is_filled_in_for_czech():
    messages = parse_po(PO)
    assert not messages[HEADER].fuzzy, "the catalogue header is still marked fuzzy"
    fields = header_fields(messages)
    assert fields.get("Language") == "cs"
    assert fields.get("Plural-Forms") == CZECH_PLURAL_FORMS
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Project-Id-Version", "").startswith("wagtail-gdpr-mail")


def test_czech_translation_is_complete_for_the_current_code(tmp_path):
    """Every msgid that makemessages finds in the code today is translated in Czech."""
    need_gettext()
    copy = tmp_path / "wagtail_gdpr_mail"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.po", "*.mo")
    )
    (copy / "locale").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # `python -P -m django` is django-admin of this interpreter; -P keeps the copied
    # package's modules (legal.py, signals.py…) from shadowing anything on sys.path.
    result = subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "cs", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    fresh = parse_po(copy / "locale" / "cs" / "LC_MESSAGES" / "django.po")
    assert len(fresh) > 1, "makemessages found no messages in the package"

    problems = translation_problems(fresh, parse_po(PO))
    assert not problems, (
        f"The Czech translation is incomplete: {len(problems)} of {len(fresh) - 1} messages.\n"
        + "\n".join(f"  - {problem}" for problem in problems)
        + "\n"
        + HOW_TO_FIX.format(po=PO)
    )


def _catalog(mo: Path) -> tuple[dict, str | None]:
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = dict(compiled._catalog)
    catalog.pop("", None)  # the header: its dates change on every makemessages run
    return catalog, compiled.info().get("plural-forms")


def test_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    need_gettext()
    assert MO.exists(), f"{MO} is missing: run `make messages` (compilemessages -l cs)."
    fresh_mo = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(fresh_mo), str(PO)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"msgfmt --check rejects {PO}:\n{result.stderr}"
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr

    committed, committed_plural = _catalog(MO)
    compiled, compiled_plural = _catalog(fresh_mo)
    stale = sorted(
        str(key)
        for key in committed.keys() | compiled.keys()
        if committed.get(key) != compiled.get(key)
    )
    assert not stale and committed_plural == compiled_plural, (
        f"{MO.name} is out of date with {PO.name} ({len(stale)} messages differ, e.g. "
        f"{stale[:5]}): run `make messages` (compilemessages -l cs) and commit the .mo."
    )


# --- What a Czech editor sees -----------------------------------------------------


@pytest.fixture(scope="module")
def czech():
    """msgid → Czech msgstr (msgstr[0] for plurals) from the committed catalogue."""
    return {msgid: message.msgstr.get(0, "") for (_, msgid), message in parse_po(PO).items()}


def test_visible_strings_render_in_czech(db, czech):
    from wagtail_gdpr_mail.legal import country_name
    from wagtail_gdpr_mail.models import LegalBasis
    from wagtail_gdpr_mail.viewsets import GdprMailViewSetGroup

    with translation.override("cs"):
        assert str(LegalBasis.objects.get(code="consent")) == "Souhlas"
        assert str(GdprMailViewSetGroup.menu_label) == czech["GDPR mail"] != "GDPR mail"
        assert country_name("DE") == czech["Germany"] != "Germany"
        assert translation.gettext("Consent history") == czech["Consent history"]


def test_czech_plural_forms_are_used(czech):
    singular = (
        "The list “%(name)s” has %(counter)s contact. "
        "Each one gets the purpose, with its own consent record."
    )
    plural = singular.replace("contact.", "contacts.")
    forms = parse_po(PO)[(None, singular)].msgstr
    with translation.override("cs"):
        rendered = {
            n: translation.ngettext(singular, plural, n) % {"name": "Newsletter", "counter": n}
            for n in (1, 3, 5, 0)
        }
    assert rendered[1] == forms[0] % {"name": "Newsletter", "counter": 1}
    assert rendered[3] == forms[1] % {"name": "Newsletter", "counter": 3}
    assert rendered[5] == forms[2] % {"name": "Newsletter", "counter": 5}
    assert rendered[0] == forms[2] % {"name": "Newsletter", "counter": 0}
    assert len({forms[0], forms[1], forms[2]}) == 3


def test_admin_shows_czech_to_an_editor_who_prefers_it(client, superuser, contact, czech):
    from django.urls import reverse
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(superuser)
    profile.preferred_language = "cs"
    profile.save()
    client.force_login(superuser)

    menu = client.get("/admin/").content.decode()
    label = czech["GDPR mail"]
    assert label in menu or json.dumps(label)[1:-1] in menu  # the sidebar's props are JSON

    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])
    page = html.unescape(client.get(url).content.decode())
    for msgid in ("Consent history", "Assign a purpose", "This contact holds no purpose."):
        assert czech[msgid] in page, f"{msgid!r} is not shown in Czech ({czech[msgid]!r})"
