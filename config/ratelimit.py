"""A small rate limiter for the public endpoints (the ballot, objections): so many requests a
minute per client address and scope, counted in the cache.

    from config.ratelimit import rate_limited

    @rate_limited("ballot", per_minute=30)
    def ballot(request, token): ...

Over the limit the view is not called: the answer is 429 with `templates/429.html` and a
`Retry-After` header giving the seconds left in the minute.

The count lives in Django's cache (LocMem in development, per process; Redis in production, shared
by every worker): `cache.add` starts a minute's counter and `cache.incr` raises it, atomically in
Redis. Windows are fixed calendar minutes, so a client gets at most twice the limit across a
minute's edge — enough against scripted guessing, generous to a family sharing one phone.

The client is `REMOTE_ADDR`. Behind reverse proxies set `RATELIMIT_TRUSTED_PROXIES` to how many
there are: the address is then read that many places from the right of `X-Forwarded-For` (what the
nearest trusted proxy saw), which a client cannot forge. Unset (0), `X-Forwarded-For` is ignored:
trusting it blindly would let anyone pick their own key. An IPv6 client counts by its /64, which
one household holds as a whole.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

WINDOW = 60  # seconds


def client_address(request: HttpRequest) -> str:
    """The client's address as the limiter counts it (see the module docstring)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "RATELIMIT_TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hit(scope: str, key: str, *, now: float | None = None) -> tuple[int, int]:
    """Count one request of `key` in `scope`: (requests this minute, seconds left in it)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    name = f"ratelimit:{scope}:{key}:{window}"
    # A little longer than the window: the key must outlive the minute it counts.
    if cache.add(name, 1, timeout=WINDOW + 5):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=WINDOW + 5)
            count = 1
    return count, max(1, WINDOW * (window + 1) - int(now))


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(scope: str, per_minute: int) -> Callable:
    """Decorate a function view: at most `per_minute` requests a minute per client in `scope`."""
    if per_minute < 1:
        raise ValueError("per_minute must be at least 1")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            count, retry_after = hit(scope, client_address(request))
            if count > per_minute:
                return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return limited

    return decorator
