"""The admin speaks whole Czech sentences: the right case, gender and plural form.

Wagtail builds "Add %(model_name)s" and "%(model_name)s '%(object)s' created." from
verbose names, which in Czech reads "Přidat zpracovatelská smlouva" and "Kontakt …
vytvořeno". Each viewset carries its own sentences (``admin/labels.py``).
"""

from __future__ import annotations

import html
import json

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.users.models import UserProfile

from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_value
from wagtail_gdpr_mail.models import ContactList


def _prefers(user, language: str) -> None:
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()


@pytest.fixture
def czech_admin(client, superuser):
    _prefers(superuser, "cs")
    client.force_login(superuser)
    return client


def _messages(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("model", "label"),
    [
        ("contact", "Přidat kontakt"),
        ("contactlist", "Přidat seznam"),
        ("processingpurpose", "Přidat účel zpracování"),
        ("legalbasis", "Přidat právní důvod"),
        ("dataprocessingagreement", "Přidat zpracovatelskou smlouvu"),
        ("subprocessor", "Přidat dalšího zpracovatele"),
        ("recipient", "Přidat příjemce"),
    ],
)
def test_add_buttons_are_accusative_phrases(czech_admin, model, label):
    page = _text(czech_admin.get(reverse(f"wagtailsnippets_wagtail_gdpr_mail_{model}:list")))
    assert label in page
    assert "Přidat zpracovatelská" not in page and "Přidat účel zpracování účel" not in page


def test_created_and_deleted_messages_agree_in_gender(czech_admin):
    viewset = "wagtailsnippets_wagtail_gdpr_mail_contactlist"
    response = czech_admin.post(reverse(f"{viewset}:add"), {"name": "Zákazníci", "description": ""})
    assert response.status_code == 302
    assert _messages(response)[0].startswith("Seznam „Zákazníci“ byl vytvořen.")

    created = ContactList.objects.get(name="Zákazníci")
    response = czech_admin.post(reverse(f"{viewset}:delete", args=[created.pk]))
    assert "Seznam „Zákazníci“ byl smazán." in _messages(response)[-1]


def test_bulk_delete_counts_in_the_right_plural(czech_admin):
    lists = [ContactList.objects.create(name=f"List {n}") for n in range(3)]
    url = (
        reverse("wagtail_bulk_action", args=("wagtail_gdpr_mail", "contactlist", "delete"))
        + "?"
        + "&".join(f"id={item.pk}" for item in lists)
    )
    response = czech_admin.post(url)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "3 seznamy byly smazány." in _messages(response)
    assert not ContactList.objects.filter(pk__in=[item.pk for item in lists]).exists()


def test_legal_bases_list_their_article_in_czech_notation(czech_admin):
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_legalbasis:list")
    page = _text(czech_admin.get(url))
    assert "čl. 6 odst. 1 písm. a) GDPR" in page
    assert "Art. 6(1)" not in page
    # The "Code" column, which only repeated the name, is gone.
    assert ">Kód<" not in page.replace(" ", "")


def test_contact_listing_names_its_columns_in_czech(czech_admin, contact):
    page = _text(czech_admin.get(reverse("wagtailsnippets_wagtail_gdpr_mail_contact:list")))
    assert "Celé jméno" in page and "Full name" not in page


def test_chooser_buttons_follow_each_editors_language(client, superuser, purpose, contact_list):
    """The block keeps its widget for the life of the process; its texts stay lazy."""
    page = publish_test_page([form_value(main=purpose, target_list=contact_list)])
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    client.force_login(superuser)

    _prefers(superuser, "en")
    english = _text(client.get(edit_url))
    _prefers(superuser, "cs")
    czech = _text(client.get(edit_url))

    # The block's definition reaches the editor as JSON (telepath).
    def shows(page: str, label: str) -> bool:
        return label in page or json.dumps(label)[1:-1] in page

    assert shows(english, "Choose another purpose") and shows(english, "Choose a list")
    assert shows(czech, "Vybrat jiný účel") and shows(czech, "Vybrat seznam")
    assert not shows(czech, "Choose another") and not shows(czech, "Choose a list")
