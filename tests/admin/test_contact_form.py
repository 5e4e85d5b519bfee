"""The contact form: custom fields as labelled inputs, the source fixed after creation."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.helpers.html_forms import parse_forms
from tests.helpers.markup import visible_text
from tests.helpers.rights import edit_url
from wagtail_gdpr_mail.models import Contact, ContactSource

pytestmark = pytest.mark.django_db

ADD = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:add")
DECLARED = [("city", "City"), ("company", "Company")]


@pytest.fixture
def admin(client, superuser, settings):
    settings.WAGTAIL_GDPR_MAIL_CUSTOM_FIELDS = DECLARED
    client.force_login(superuser)
    return client


def form_values(client, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    (form,) = [f for f in parse_forms(html) if f.method == "post" and "email" in dict(f.values)]
    return dict(form.values)


def rectifications() -> list[dict]:
    return [e.data for e in ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.rectify")]


def test_declared_and_own_keys_are_labelled_inputs(admin, make_contact):
    contact = make_contact(custom_fields={"city": "Brno", "shoe_size": "42", "visits": 3})
    html = admin.get(edit_url(contact)).content.decode()
    text = visible_text(html)
    assert "City" in text and "Company" in text and "shoe_size" in text
    values = form_values(admin, edit_url(contact))
    assert values["custom_fields__0"] == "Brno"
    assert values["custom_fields__1"] == ""
    assert values["custom_fields__2"] == "42"
    # Non-text values stay in the JSON fallback, folded away.
    assert '"visits": 3' in values["custom_fields__json"]
    assert "Advanced: edit other custom fields as JSON" in text


def test_editing_inputs_saves_the_dict_and_logs_field_names_only(admin, make_contact):
    contact = make_contact(custom_fields={"city": "Brno", "visits": 3})
    data = form_values(admin, edit_url(contact))
    data.update(custom_fields__0="Olomouc", custom_fields__1="Acme s.r.o.")
    assert admin.post(edit_url(contact), data).status_code == 302
    contact.refresh_from_db()
    assert contact.custom_fields == {"city": "Olomouc", "company": "Acme s.r.o.", "visits": 3}
    assert rectifications() == [{"fields": ["custom_fields"]}]
    assert "Olomouc" not in str(rectifications())
    # Emptying an input removes the key; an unchanged form logs nothing.
    data = form_values(admin, edit_url(contact))
    data["custom_fields__1"] = ""
    admin.post(edit_url(contact), data)
    contact.refresh_from_db()
    assert "company" not in contact.custom_fields
    admin.post(edit_url(contact), form_values(admin, edit_url(contact)))
    assert len(rectifications()) == 2


def test_the_data_tab_uses_the_labels(admin, make_contact):
    contact = make_contact(custom_fields={"city": "Brno"})
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])
    assert "<dt>City</dt><dd data-custom-field>Brno</dd>" in admin.get(url).content.decode()


@pytest.mark.parametrize(
    ("json_text", "message"),
    [
        ("{not json", "Other custom fields (JSON): this is not valid JSON."),
        ("[1, 2]", "Other custom fields (JSON): must be a JSON object"),
        ('{"city": "Praha"}', "“city” has its own field above"),
    ],
)
def test_bad_input_names_the_field(admin, make_contact, json_text, message):
    contact = make_contact(custom_fields={"city": "Brno"})
    data = form_values(admin, edit_url(contact))
    data["custom_fields__json"] = json_text
    response = admin.post(edit_url(contact), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    contact.refresh_from_db()
    assert contact.custom_fields == {"city": "Brno"}


def test_a_too_long_value_names_its_field(admin, make_contact):
    contact = make_contact()
    data = form_values(admin, edit_url(contact))
    data["custom_fields__1"] = "x" * 1001
    response = admin.post(edit_url(contact), data)
    assert "Company: at most 1000 characters." in response.content.decode()


def test_source_is_chosen_on_create_and_fixed_afterwards(admin):
    data = form_values(admin, ADD)
    data.update(email="new.person@example.com", source=ContactSource.IMPORT)
    assert admin.post(ADD, data).status_code == 302
    contact = Contact.objects.get()
    assert contact.source == ContactSource.IMPORT

    html = admin.get(edit_url(contact)).content.decode()
    assert "fixed once created" in html
    data = form_values(admin, edit_url(contact))
    data["source"] = ContactSource.FORM  # a forged value
    data["first_name"] = "Nová"
    assert admin.post(edit_url(contact), data).status_code == 302
    contact.refresh_from_db()
    assert contact.source == ContactSource.IMPORT and contact.first_name == "Nová"
