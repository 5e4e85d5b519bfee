"""The open pixel and the click redirect of tracked campaign mail.

Both answer the same whatever the token: the pixel is always the pixel, a click link
with a valid signature always redirects. Only a tracked delivery whose contact still
holds the tracking purpose is recorded, once (see :mod:`.tracking`).
"""

from __future__ import annotations

import base64

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import tracking

#: A transparent 1×1 GIF.
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    tracking.record_open(token)
    response = HttpResponse(PIXEL_GIF, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
def click(request: HttpRequest, token: str, target: str) -> HttpResponse:
    url = tracking.unsign_target(target)
    if url is None:
        return render(request, "wagtail_gdpr_mail/public/link_invalid.html", status=404)
    tracking.record_click(token)
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"  # the target never sees the token
    return response
