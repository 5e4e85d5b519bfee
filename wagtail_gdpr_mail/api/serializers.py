"""What the API reads and writes. Input serializers refuse fields they do not know."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..crypto import is_unreadable
from ..models import (
    Contact,
    ContactList,
    LegalBasis,
    ProcessingPurpose,
    PurposeAssignment,
    Segment,
)
from ..rights.erasure import ErasureMode

#: Ids beyond this are no rows of ours (and would overflow SQLite's integers).
MAX_ID = 2**63 - 1
MAX_ITEMS = 50
MAX_CUSTOM_FIELDS = 50


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error, not silently dropped: a typo must not pass."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {key: [_("Unknown field.")] for key in unknown[:MAX_ITEMS]}
                )
        return super().to_internal_value(data)


class RowField(serializers.PrimaryKeyRelatedField):
    """A row by id; ids outside the database's range are "not found", not a crash."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class TextValue(serializers.CharField):
    """An encrypted text as read: ``"(unreadable)"`` when it no longer decrypts."""

    def to_representation(self, value: Any) -> str:
        return str(value)


class BlankAsNull(serializers.CharField):
    """A code that may be empty in the database, as ``null`` (not ``""``)."""

    def to_representation(self, value: Any) -> str | None:
        return str(value) if value else None


class ValidFromField(serializers.DateTimeField):
    """When consent was given: within a hundred years back and one year ahead."""

    def to_internal_value(self, value: Any) -> Any:
        when = super().to_internal_value(value)
        now = timezone.now()
        if not now - timedelta(days=36500) <= when <= now + timedelta(days=366):
            raise serializers.ValidationError(
                _("Give a date within the last hundred years and the next year.")
            )
        return when


def _custom_fields(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return value
    if len(value) > MAX_CUSTOM_FIELDS:
        raise serializers.ValidationError(
            _("At most %(count)d custom fields.") % {"count": MAX_CUSTOM_FIELDS}
        )
    for key in value:
        if not key or len(key) > 64:
            raise serializers.ValidationError(_("Custom field names have 1 to 64 characters."))
    return value


def custom_fields_field() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000),
        validators=[_custom_fields],
        required=False,
    )


# --- Output ----------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    purpose = serializers.IntegerField(source="purpose_id", read_only=True)
    status = serializers.CharField(read_only=True)
    revocation_reason = BlankAsNull(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("One of: %(codes)s.")
        % {"codes": ", ".join(PurposeAssignment.RevocationReason.values)},
    )

    class Meta:
        model = PurposeAssignment
        fields = [
            "id",
            "purpose",
            "status",
            "source",
            "valid_from",
            "valid_until",
            "created_at",
            "revoked_at",
            "revocation_reason",
        ]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    email = TextValue(read_only=True, allow_null=True)
    first_name = TextValue(read_only=True)
    last_name = TextValue(read_only=True)
    custom_fields = serializers.SerializerMethodField()
    anonymised = serializers.BooleanField(source="is_anonymised", read_only=True)
    lists = serializers.SerializerMethodField()
    purposes = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "custom_fields",
            "source",
            "created_at",
            "updated_at",
            "anonymised",
            "lists",
            "purposes",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_custom_fields(self, contact: Contact) -> dict[str, Any]:
        value = contact.custom_fields
        return {} if is_unreadable(value) or not isinstance(value, dict) else value

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_lists(self, contact: Contact) -> list[int]:
        memberships = getattr(contact, "current_memberships", None)
        if memberships is None:
            memberships = contact.memberships.current()
        return sorted(m.contact_list_id for m in memberships)

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_purposes(self, contact: Contact) -> list[dict[str, Any]]:
        """The purposes held now or lapsed, not the revoked ones (see /assignments/)."""
        current = getattr(contact, "current_assignments", None)
        if current is None:
            current = contact.assignments.current().order_by("pk")
        return AssignmentSerializer(current, many=True).data


class PurposeSerializer(serializers.ModelSerializer):
    legal_basis = serializers.CharField(source="legal_basis.code", read_only=True)
    retention = serializers.CharField(source="retention_display", read_only=True)

    class Meta:
        model = ProcessingPurpose
        fields = [
            "id",
            "name",
            "legal_basis",
            "legal_basis_id",
            "retention_amount",
            "retention_unit",
            "retention",
            "visitor_text",
            "purpose_category",
            "revocable_by_unsubscribe",
            "is_active",
        ]
        read_only_fields = fields


class LegalBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasis
        fields = ["id", "code", "title", "article", "description"]
        read_only_fields = fields


class SegmentSerializer(serializers.ModelSerializer):
    count = serializers.IntegerField(read_only=True, source="member_count")

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "kind", "count"]
        read_only_fields = fields


class LookupResultSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    contact = ContactSerializer(allow_null=True)


class AcceptedSerializer(serializers.Serializer):
    status = serializers.CharField()
    detail = serializers.CharField()


class ErasureResultSerializer(serializers.Serializer):
    contact_id = serializers.IntegerField()
    mode = serializers.CharField()
    erased = serializers.BooleanField()


# --- Input -----------------------------------------------------------------------------


class ContactCreateSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    custom_fields = custom_fields_field()
    lists = serializers.ListField(
        child=RowField(queryset=ContactList.objects.current()), max_length=MAX_ITEMS, default=list
    )
    purposes = serializers.ListField(
        child=RowField(queryset=ProcessingPurpose.objects.active()),
        max_length=MAX_ITEMS,
        default=list,
    )
    valid_from = ValidFromField(
        required=False, help_text=gettext_lazy("When consent was given; default now.")
    )
    proof_note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "Where the consent came from (required with purposes, unless doi is true)."
        ),
    )
    doi = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Send the double opt-in mail instead: the contact appears once the person confirms."
        ),
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        purposes = list(dict.fromkeys(data.get("purposes") or []))
        data["purposes"], data["lists"] = purposes, list(dict.fromkeys(data.get("lists") or []))
        if data["doi"]:
            if not purposes:
                raise serializers.ValidationError(
                    {"purposes": [_("The double opt-in mail asks for at least one purpose.")]}
                )
            if len(data["lists"]) > 1:
                raise serializers.ValidationError(
                    {"lists": [_("A double opt-in adds the contact to one list at most.")]}
                )
            if data.get("valid_from"):
                raise serializers.ValidationError(
                    {"valid_from": [_("With a double opt-in, consent starts on confirmation.")]}
                )
        elif purposes and not (data.get("proof_note") or "").strip():
            raise serializers.ValidationError(
                {"proof_note": [_("Say where the consent came from.")]}
            )
        return data


class ContactUpdateSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254, required=False)
    first_name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    custom_fields = custom_fields_field()


class LookupSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)


class AssignSerializer(StrictSerializer):
    purpose = RowField(queryset=ProcessingPurpose.objects.active())
    valid_from = ValidFromField(required=False)
    proof_note = serializers.CharField(max_length=2000)

    def validate_proof_note(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Say where the consent came from."))
        return value


class RevokeSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=PurposeAssignment.EditorReason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class EraseSerializer(StrictSerializer):
    mode = serializers.ChoiceField(choices=[(m.value, m.value) for m in ErasureMode])
