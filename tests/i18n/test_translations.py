"""The Czech translation: complete for the current code, compiled, and shown.

When a test here fails after you added or changed a user-visible string, refresh
the catalogue, translate what it names and compile it::

    make messages   # makemessages -l cs --no-obsolete, then compilemessages -l cs

then translate the entries the failure lists in
``wagtail_gdpr_mail/locale/cs/LC_MESSAGES/django.po`` (all three Czech plural
forms, no ``fuzzy`` flags left) and run ``make messages`` again to compile.

The ``.po`` files are read with polib (in the ``test`` extra), and compiled
catalogues with :mod:`gettext`; the tests need GNU gettext (``msgfmt``,
``xgettext``…), which CI installs.
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
from pathlib import Path

import polib
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


# --- Reading .po files (polib) ------------------------------------------------------

# Named placeholders, which a translation must keep exactly (msgfmt --check only
# checks entries that xgettext flagged as a format string).
_PLACEHOLDER = re.compile(r"%\([^)]+\)[a-zA-Z]|\{[A-Za-z_][A-Za-z0-9_]*\}")

Key = tuple[str | None, str]


def parse_po(path: Path) -> polib.POFile:
    return polib.pofile(str(path), encoding="utf-8")


def messages_of(po: polib.POFile) -> dict[Key, polib.POEntry]:
    """The messages by (msgctxt, msgid); the header and obsolete (``#~``) entries left out."""
    return {(entry.msgctxt, entry.msgid): entry for entry in po if not entry.obsolete}


def describe(entry: polib.POEntry) -> str:
    context = f" [context {entry.msgctxt!r}]" if entry.msgctxt is not None else ""
    places = [f"{file}:{line}" if line else file for file, line in entry.occurrences[:3]]
    where = f" ({', '.join(places)})" if places else ""
    return f"{entry.msgid!r}{context}{where}"


def translations_of(entry: polib.POEntry) -> dict[int, str]:
    return dict(entry.msgstr_plural) if entry.msgid_plural else {0: entry.msgstr}


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def translation_problems(fresh: polib.POFile, committed: polib.POFile) -> list[str]:
    """What is missing from ``committed`` for every message of ``fresh``."""
    forms = nplurals(committed)
    done_by_key = messages_of(committed)
    problems = []
    for key, message in sorted(
        messages_of(fresh).items(), key=lambda item: (item[0][1], item[0][0] or "")
    ):
        done = done_by_key.get(key)
        if done is None:
            problems.append(f"{describe(message)}: not in the catalogue")
            continue
        if done.fuzzy:
            problems.append(f"{describe(message)}: fuzzy")
            continue
        if done.msgid_plural != message.msgid_plural:
            problems.append(f"{describe(message)}: the plural msgid changed")
            continue
        wanted = list(range(forms)) if message.msgid_plural else [0]
        translations = translations_of(done)
        if sorted(translations) != wanted or not all(translations.values()):
            what = f"all {forms} plural forms" if message.msgid_plural else "a translation"
            problems.append(f"{describe(message)}: needs {what}")
            continue
        problems.extend(
            f"{describe(message)}: msgstr[{index}] {text!r} {trouble}"
            for index, text in sorted(translations.items())
            if (trouble := _placeholder_trouble(message, index, text))
        )
    return problems


def _placeholder_trouble(message: polib.POEntry, index: int, text: str) -> str:
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
    catalogue = parse_po(po)
    messages = messages_of(catalogue)
    assert set(messages) == {
        (None, 'Long text with "quotes"'),
        (None, "%(n)s item"),
        ("month", "May"),
    }
    assert messages[(None, 'Long text with "quotes"')].msgstr == "Dlouhý text s „uvozovkami“"
    assert messages[(None, 'Long text with "quotes"')].occurrences == [
        ("a.py", "1"),
        ("b.html", "2"),
    ]
    plural = messages[(None, "%(n)s item")]
    assert plural.fuzzy and plural.msgid_plural == "%(n)s items" and plural.msgstr_plural[2] == ""
    assert nplurals(catalogue) == 3 and catalogue.metadata["Language"] == "cs"
    assert len(translation_problems(catalogue, catalogue)) == 1  # the fuzzy plural


# --- The committed catalogue ------------------------------------------------------


def test_catalogue_header_is_filled_in_for_czech():
    catalogue = parse_po(PO)
    assert not catalogue.metadata_is_fuzzy, "the catalogue header is still marked fuzzy"
    fields = catalogue.metadata
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
    assert len(messages_of(fresh)) > 0, "makemessages found no messages in the package"

    problems = translation_problems(fresh, parse_po(PO))
    assert not problems, (
        f"The Czech translation is incomplete: {len(problems)} of {len(messages_of(fresh))} "
        "messages.\n"
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
    return {
        msgid: translations_of(message)[0]
        for (_, msgid), message in messages_of(parse_po(PO)).items()
    }


def test_visible_strings_render_in_czech(db, czech):
    from wagtail_gdpr_mail.admin.viewsets import GdprMailViewSetGroup
    from wagtail_gdpr_mail.legal import country_name
    from wagtail_gdpr_mail.models import LegalBasis

    with translation.override("cs"):
        assert str(LegalBasis.objects.get(code="consent")) == "Souhlas"
        assert str(GdprMailViewSetGroup.menu_label) == czech["GDPR mail"] != "GDPR mail"
        assert country_name("DE") == "Německo"
        assert translation.gettext("Consent history") == czech["Consent history"]


def test_czech_plural_forms_are_used(czech):
    singular = (
        "The list “%(name)s” has %(counter)s contact. "
        "Each one gets the purpose, with its own consent record."
    )
    plural = singular.replace("contact.", "contacts.")
    forms = translations_of(messages_of(parse_po(PO))[(None, singular)])
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
