"""Countries by ISO 3166-1 alpha-2 code, named in the active language.

The codes and names come from django-countries, and so do the translations: its
catalogue is read directly, so ``django_countries`` need not be in
``INSTALLED_APPS``. Imports no models: the models import it for their choices.
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache
from pathlib import Path

import django_countries
from django.utils import translation
from django_countries import countries

LOCALE_DIR = Path(django_countries.__file__).parent / "locale"


class _Untranslated(gettext.NullTranslations):
    """A catalogue fallback that answers "" for a missing message, so it can be told apart."""

    def gettext(self, message: str) -> str:
        return ""


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    catalogue = gettext.translation(
        "django",
        localedir=LOCALE_DIR,
        languages=[translation.to_locale(language)],
        fallback=True,
    )
    catalogue.add_fallback(_Untranslated())
    return catalogue


@cache
def _english_names() -> dict[str, tuple[str, ...]]:
    """Code → its English name, then older names (django-countries uses them when the
    current name has no translation yet, e.g. "Czechia" then "Czech Republic")."""
    names = {}
    with translation.override(None):
        for code, name in countries.countries.items():
            if isinstance(name, dict):
                candidates = name.get("names") or [name["name"]]
            else:
                candidates = [name, *countries.shadowed_names.get(code, [])]
            names[code] = tuple(str(candidate) for candidate in candidates)
    return names


def _translated(names: tuple[str, ...]) -> str:
    language = translation.get_language()
    if language:
        catalogue = _catalogue(language)
        for name in names:
            if text := catalogue.gettext(name):
                return text
    return names[0]


def country_name(code: str) -> str:
    """The name of the country in the active language; the code itself if unknown."""
    names = _english_names().get(code.upper())
    return _translated(names) if names else code


def country_choices() -> list[tuple[str, str]]:
    """Countries for a choice field, sorted by their name in the active language."""

    def sort_key(choice: tuple[str, str]) -> str:
        # Accents sort with their base letter ("Česko" among the C's), as people expect.
        return unicodedata.normalize("NFKD", choice[1]).encode("ascii", "ignore").decode()

    choices = [(code, _translated(names)) for code, names in _english_names().items()]
    return sorted(choices, key=sort_key)
