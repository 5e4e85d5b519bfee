"""``Idempotency-Key`` on POST: the first answer is stored, a retry gets it again.

The same key with a different request is refused (422); a retry while the first
request still runs gets 409. Only answers below 400 are kept: a refused request
changed nothing, so trying it again is harmless. The work and the stored answer
commit together, so a crash leaves either both or neither; a claim whose request
died is taken over after ``ABANDONED_AFTER``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ..conf import app_settings
from ..models import ApiKey, IdempotentRequest
from ..tokens import MAX_TOKEN_LENGTH, hash_token
from .problems import ApiProblem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
ABANDONED_AFTER = timedelta(minutes=10)


def request_hash(request: Request) -> str:
    """What makes two requests the same: method, path and the parsed body."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _claim(api_key: ApiKey, key_hash: str, digest: str) -> IdempotentRequest | Response:
    """A new claim on the key, or the stored answer to replay."""
    now = timezone.now()
    IdempotentRequest.objects.filter(
        api_key=api_key, created_at__lt=now - timedelta(hours=app_settings.API_IDEMPOTENCY_HOURS)
    ).delete()
    IdempotentRequest.objects.filter(
        api_key=api_key,
        key_hash=key_hash,
        status__isnull=True,
        created_at__lt=now - ABANDONED_AFTER,
    ).delete()
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                api_key=api_key, key_hash=key_hash, request_hash=digest, created_at=now
            )
    except IntegrityError:
        pass
    earlier = IdempotentRequest.objects.filter(api_key=api_key, key_hash=key_hash).first()
    if earlier is not None and earlier.request_hash != digest:
        raise ApiProblem(
            422,
            "idempotency-key-reused",
            _("This Idempotency-Key was used for a different request."),
        )
    if earlier is None or earlier.status is None:
        raise ApiProblem(
            409,
            "idempotency-in-progress",
            _("A request with this Idempotency-Key is still being processed; retry later."),
        )
    status, body = earlier.answer()
    return Response(body, status=status, headers={REPLAYED_HEADER: "true"})


def run_once(request: Request, api_key: ApiKey, run: Callable[[], Response]) -> Response:
    """``run()`` in a transaction, honouring the request's ``Idempotency-Key`` if any."""
    header = request.headers.get(HEADER)
    if header is None:
        with transaction.atomic():
            return run()
    if not header.strip() or len(header) > MAX_TOKEN_LENGTH:
        raise ApiProblem(
            400,
            "bad-idempotency-key",
            _("An Idempotency-Key has 1 to %(max)d characters.") % {"max": MAX_TOKEN_LENGTH},
        )
    claim = _claim(api_key, hash_token(header), request_hash(request))
    if isinstance(claim, Response):
        return claim
    try:
        with transaction.atomic():
            response = run()
            if response.status_code < 400:
                # The answer as the client got it (plain JSON), encrypted: it may name
                # the person.
                claim.status = response.status_code
                claim.body = json.loads(JSONRenderer().render(response.data) or b"null")
                claim.save(update_fields=["status", "body"])
    except BaseException:
        IdempotentRequest.objects.filter(pk=claim.pk).delete()
        raise
    if claim.status is None:
        IdempotentRequest.objects.filter(pk=claim.pk).delete()
    return response
