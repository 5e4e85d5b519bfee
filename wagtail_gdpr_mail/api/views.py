"""The API's views: HTTP in, calls of the consent, rights and segment services out.

Their common base (``base.ApiView``) fixes DRF's configuration on the views, so a host
site's ``REST_FRAMEWORK`` defaults never change the API.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from .. import audit
from ..consent.assignments import assign_purpose, revoke_assignment
from ..exceptions import SuppressedAddressError
from ..lists import add_to_list
from ..models import (
    ApiScope,
    Contact,
    ContactSource,
    LegalBasis,
    ListMembership,
    ProcessingPurpose,
    PurposeAssignment,
    Segment,
)
from ..rights.erasure import erase_contacts
from ..rights.export import export_contact
from ..segments.rules import segment_contacts
from ..subscriptions.formless import submit_without_form
from . import serializers as s
from .base import ApiView, responses
from .idempotency import run_once
from .problems import ApiProblem
from .schema import document


def contacts_for_listing(queryset: Any) -> Any:
    """Contacts with what ``ContactSerializer`` shows, in three queries for a page."""
    return queryset.prefetch_related(
        Prefetch(
            "memberships",
            queryset=ListMembership.objects.current(),
            to_attr="current_memberships",
        ),
        Prefetch(
            "assignments",
            queryset=PurposeAssignment.objects.current().order_by("pk"),
            to_attr="current_assignments",
        ),
    )


def contact_body(contact: Contact) -> dict[str, Any]:
    return s.ContactSerializer(Contact.objects.get(pk=contact.pk)).data


def _refuse_anonymised(contact: Contact) -> None:
    if contact.is_anonymised:
        raise ApiProblem(409, "anonymised", _("The contact is anonymised."))


# --- Contacts -----------------------------------------------------------------------


class ContactCreateView(ApiView):
    endpoint = "contacts.create"
    required_scopes = {"POST": ApiScope.WRITE_CONTACTS}
    serializer_class = s.ContactCreateSerializer

    @document(
        request=s.ContactCreateSerializer,
        responses=responses({201: s.ContactSerializer, 202: s.AcceptedSerializer}, 409, 422),
        summary="Create a contact, or send the double opt-in mail",
    )
    def post(self, request: Request) -> Response:
        return self.idempotent_post(request, self.create)

    def create(self, request: Request) -> Response:
        form = s.ContactCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data["purposes"] and not self.api_key.has_scope(ApiScope.ASSIGN):
            raise ApiProblem(
                403,
                "missing-scope",
                _("This API key lacks the scope “%(scope)s”.") % {"scope": ApiScope.ASSIGN},
            )
        if data["doi"]:
            return self.double_opt_in(data)
        if Contact.objects.by_email(data["email"]).exists():
            raise ApiProblem(409, "exists", _("A contact with this address exists; look it up."))
        contact = Contact(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            custom_fields=data.get("custom_fields") or {},
            source=ContactSource.API,
        )
        try:
            contact.save()
        except SuppressedAddressError as error:
            raise ApiProblem(409, "suppressed", error.messages[0]) from None
        except IntegrityError:
            raise ApiProblem(409, "exists", _("A contact with this address exists.")) from None
        for contact_list in data["lists"]:
            add_to_list([contact], contact_list)
        for purpose in data["purposes"]:
            assign_purpose(
                contact,
                purpose,
                source=ContactSource.API,
                valid_from=data.get("valid_from"),
                evidence={"note": data["proof_note"], **self.origin()},
            )
        self.audit_ids["contact_id"] = contact.pk
        url = reverse("wagtail_gdpr_mail_api:contact", args=[contact.pk])
        return Response(contact_body(contact), status=201, headers={"Location": url})

    def double_opt_in(self, data: dict[str, Any]) -> Response:
        submit_without_form(
            data["email"],
            data["purposes"],
            source=ContactSource.API,
            first_name=data["first_name"],
            last_name=data["last_name"],
            contact_list=data["lists"][0] if data["lists"] else None,
            origin=self.origin(),
            language=get_language(),
        )
        # The same answer whether the address is new, pending, known or suppressed.
        return Response(
            {
                "status": "confirmation_requested",
                "detail": _("If the address can be mailed, a confirmation e-mail is on its way."),
            },
            status=status.HTTP_202_ACCEPTED,
        )


class ContactLookupView(ApiView):
    endpoint = "contacts.lookup"
    required_scopes = {"POST": ApiScope.READ_CONTACTS}
    serializer_class = s.LookupSerializer

    @document(
        request=s.LookupSerializer,
        responses=responses({200: s.LookupResultSerializer}),
        summary="Find a contact by exact e-mail address (in the body, never in the URL)",
    )
    def post(self, request: Request) -> Response:
        form = s.LookupSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        contact = contacts_for_listing(Contact.objects.by_email(form.validated_data["email"]))
        found = contact.first()
        if found is not None:
            self.audit_ids["contact_id"] = found.pk
        return Response(
            {
                "found": found is not None,
                "contact": s.ContactSerializer(found).data if found else None,
            }
        )


class ContactView(ApiView):
    endpoint = "contacts.detail"
    required_scopes = {"GET": ApiScope.READ_CONTACTS, "PATCH": ApiScope.WRITE_CONTACTS}
    serializer_class = s.ContactSerializer

    @document(responses=responses({200: s.ContactSerializer}), summary="Read a contact")
    def get(self, request: Request, pk: int) -> Response:
        contact = get_object_or_404(contacts_for_listing(Contact.objects.all()), pk=pk)
        return Response(s.ContactSerializer(contact).data)

    @document(
        request=s.ContactUpdateSerializer,
        responses=responses({200: s.ContactSerializer}, 409),
        summary="Change a contact's personal data",
    )
    def patch(self, request: Request, pk: int) -> Response:
        return run_once(request, self.api_key, lambda: self.update(request, pk))

    def update(self, request: Request, pk: int) -> Response:
        form = s.ContactUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        contact = self.contact(pk, for_update=True)
        _refuse_anonymised(contact)
        changed = []
        for name, value in form.validated_data.items():
            if getattr(contact, name) != value:
                setattr(contact, name, value)
                changed.append(name)
        if changed:
            try:
                contact.save(update_fields=[*changed, "updated_at"])
            except SuppressedAddressError as error:
                raise ApiProblem(409, "suppressed", error.messages[0]) from None
            except IntegrityError:
                raise ApiProblem(409, "exists", _("Another contact has this address.")) from None
            audit.log_action(
                contact, audit.RECTIFY, data={"fields": sorted(changed), **self.origin()}
            )
        return Response(contact_body(contact))


# --- Assignments --------------------------------------------------------------------


class AssignmentsView(ApiView):
    endpoint = "contacts.assignments"
    required_scopes = {"GET": ApiScope.READ_CONTACTS, "POST": ApiScope.ASSIGN}
    serializer_class = s.AssignmentSerializer

    @document(
        responses=responses({200: s.AssignmentSerializer(many=True)}),
        summary="Every assignment of a contact, revoked ones too",
    )
    def get(self, request: Request, pk: int) -> Response:
        contact = self.contact(pk)
        page = self.paginate_queryset(contact.assignments.order_by("pk"))
        return self.get_paginated_response(s.AssignmentSerializer(page, many=True).data)

    @document(
        request=s.AssignSerializer,
        responses=responses({201: s.AssignmentSerializer, 200: s.AssignmentSerializer}, 409, 422),
        summary="Assign a purpose (or renew it), with proof of where consent came from",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.idempotent_post(request, self.assign, pk)

    def assign(self, request: Request, pk: int) -> Response:
        form = s.AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # Locked: two calls at once would both find no assignment and both insert one.
        contact = self.contact(pk, for_update=True)
        _refuse_anonymised(contact)
        data = form.validated_data
        assignment, created = assign_purpose(
            contact,
            data["purpose"],
            source=ContactSource.API,
            valid_from=data.get("valid_from"),
            evidence={"note": data["proof_note"], **self.origin()},
        )
        self.audit_ids["assignment_id"] = assignment.pk
        return Response(s.AssignmentSerializer(assignment).data, status=201 if created else 200)


class RevokeView(ApiView):
    endpoint = "contacts.revoke"
    required_scopes = {"POST": ApiScope.ASSIGN}
    serializer_class = s.RevokeSerializer

    @document(
        request=s.RevokeSerializer,
        responses=responses({200: s.AssignmentSerializer}, 409, 422),
        summary="Revoke an assignment; it stays as evidence",
    )
    def post(self, request: Request, pk: int, assignment_pk: int) -> Response:
        return self.idempotent_post(request, self.revoke, pk, assignment_pk)

    def revoke(self, request: Request, pk: int, assignment_pk: int) -> Response:
        form = s.RevokeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        assignment = get_object_or_404(PurposeAssignment, pk=assignment_pk, contact_id=pk)
        revoked = revoke_assignment(
            assignment,
            reason=PurposeAssignment.RevocationReason.API,
            editor_reason=form.validated_data["reason"],
            note=form.validated_data["note"],
            evidence=self.origin(),
        )
        if not revoked:
            raise ApiProblem(409, "already-revoked", _("The assignment was already revoked."))
        assignment.refresh_from_db()
        return Response(s.AssignmentSerializer(assignment).data)


# --- Rights -------------------------------------------------------------------------


class ExportView(ApiView):
    endpoint = "contacts.export"
    required_scopes = {"GET": ApiScope.EXPORT}

    @document(
        responses=responses({200: OpenApiResponse(OpenApiTypes.OBJECT)}),
        summary="Everything held about a contact, as the admin's export (with receipts)",
    )
    def get(self, request: Request, pk: int) -> Response:
        contact = self.contact(pk)
        return Response(export_contact(contact, language=get_language() or "en"))


class EraseView(ApiView):
    endpoint = "contacts.erase"
    required_scopes = {"POST": ApiScope.ERASE}
    serializer_class = s.EraseSerializer

    @document(
        request=s.EraseSerializer,
        responses=responses({200: s.ErasureResultSerializer}, 409, 422),
        summary="Erase a contact: delete it, or anonymise it and keep the statistics",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.idempotent_post(request, self.erase, pk)

    def erase(self, request: Request, pk: int) -> Response:
        form = s.EraseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        mode = form.validated_data["mode"]
        contact = self.contact(pk)
        erased = erase_contacts([contact], mode, audit_data=self.origin())
        return Response({"contact_id": pk, "mode": mode, "erased": bool(erased)})


# --- Purposes, legal bases, segments ---------------------------------------------------


class ListView(ApiView):
    """A paginated list of ``queryset`` rows."""

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PurposeListView(ListView):
    endpoint = "purposes.list"
    serializer_class = s.PurposeSerializer
    queryset = ProcessingPurpose.objects.select_related("legal_basis").order_by("pk")

    @document(
        responses=responses({200: s.PurposeSerializer(many=True)}), operation_id="purposes_list"
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class PurposeView(ApiView):
    endpoint = "purposes.detail"
    serializer_class = s.PurposeSerializer

    @document(responses=responses({200: s.PurposeSerializer}))
    def get(self, request: Request, pk: int) -> Response:
        purpose = get_object_or_404(ProcessingPurpose.objects.select_related("legal_basis"), pk=pk)
        return Response(s.PurposeSerializer(purpose).data)


class LegalBasisListView(ListView):
    endpoint = "legal_bases.list"
    serializer_class = s.LegalBasisSerializer
    queryset = LegalBasis.objects.order_by("pk")

    @document(
        responses=responses({200: s.LegalBasisSerializer(many=True)}),
        operation_id="legal_bases_list",
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


def _with_count(segment: Segment) -> Segment:
    segment.member_count = segment_contacts(segment).count()
    return segment


class SegmentListView(ListView):
    endpoint = "segments.list"
    required_scopes = {"GET": ApiScope.READ_CONTACTS}
    serializer_class = s.SegmentSerializer
    queryset = Segment.objects.order_by("pk")

    @document(
        responses=responses({200: s.SegmentSerializer(many=True)}), operation_id="segments_list"
    )
    def get(self, request: Request) -> Response:
        page = [_with_count(segment) for segment in self.paginate_queryset(self.get_queryset())]
        return self.get_paginated_response(s.SegmentSerializer(page, many=True).data)


class SegmentView(ApiView):
    endpoint = "segments.detail"
    required_scopes = {"GET": ApiScope.READ_CONTACTS}
    serializer_class = s.SegmentSerializer

    @document(responses=responses({200: s.SegmentSerializer}))
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.SegmentSerializer(_with_count(get_object_or_404(Segment, pk=pk))).data)


class SegmentMembersView(ApiView):
    endpoint = "segments.members"
    required_scopes = {"GET": ApiScope.READ_CONTACTS}
    serializer_class = s.ContactSerializer

    @document(responses=responses({200: s.ContactSerializer(many=True)}))
    def get(self, request: Request, pk: int) -> Response:
        segment = get_object_or_404(Segment, pk=pk)
        contacts = contacts_for_listing(segment_contacts(segment).order_by("pk"))
        page = self.paginate_queryset(contacts)
        return self.get_paginated_response(s.ContactSerializer(page, many=True).data)
