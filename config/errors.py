"""The Chinese 404 page also with DEBUG on.

With DEBUG, Django answers an unknown address or an `Http404` with its English technical page.
A newcomer running `make run` (DEBUG on) should meet the same Chinese page as a county's users;
settings add this middleware only when DEBUG is on (403 and 500 already use our templates).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.defaults import page_not_found


class ChineseNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as missing:
            return page_not_found(request, missing)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
