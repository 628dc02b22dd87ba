"""Requests refused before any view sees them: NUL characters anywhere in what the client sent.

PostgreSQL cannot store or compare a NUL ("A string literal cannot contain NUL (0x00)
characters"), so `/board/%00/`, `?q=%00` or a form field holding one would reach the database
and answer 500. No page of this system takes a NUL on purpose: the request is answered 400 with
a plain Chinese sentence. Uploaded files are not looked at (a photo may hold zero bytes); their
names are.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

NUL = "\x00"


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)
    for values in sources:
        for key, items in values.lists():
            if NUL in key or any(NUL in item for item in items):
                return True
    if request.method != "POST":
        return False
    return any(NUL in (f.name or "") for _, files in request.FILES.lists() for f in files)


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return HttpResponseBadRequest(
                "请求中含有无效的空字符（NUL），已拒绝。".encode(), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
