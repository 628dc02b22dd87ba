"""config.ratelimit: so many requests a minute per client address and scope, then 429 with
Retry-After; the address from REMOTE_ADDR, or from X-Forwarded-For only behind configured proxies."""

import uuid
from unittest import mock

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from config import ratelimit
from config.ratelimit import client_address, rate_limited

WINDOW_START = 1_800_000_000.0  # a minute boundary: divisible by 60


@pytest.fixture
def clock(monkeypatch):
    """A settable time.time() for the limiter."""
    now = {"t": WINDOW_START + 15}
    monkeypatch.setattr(ratelimit.time, "time", lambda: now["t"])
    return now


@rate_limited("test", per_minute=3)
def view(request):
    return HttpResponse("ok")


@rate_limited("other", per_minute=3)
def other_view(request):
    return HttpResponse("ok")


def get(address="203.0.113.7", **meta):
    return RequestFactory().get("/", REMOTE_ADDR=address, **meta)


def test_the_requests_over_the_limit_get_429_with_retry_after(clock):
    answers = [view(get()) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    too_many = answers[-1]
    assert too_many["Retry-After"] == "45"  # 15 s into the minute
    assert "操作过于频繁，请稍后再试。" in too_many.content.decode()


def test_the_next_minute_starts_afresh(clock):
    for _ in range(3):
        view(get())
    assert view(get()).status_code == 429

    clock["t"] = WINDOW_START + 60
    assert view(get()).status_code == 200


def test_each_address_and_each_scope_counts_on_its_own(clock):
    for _ in range(3):
        view(get("203.0.113.7"))
    assert view(get("203.0.113.7")).status_code == 429
    assert view(get("198.51.100.2")).status_code == 200
    assert other_view(get("203.0.113.7")).status_code == 200


def test_the_view_is_not_called_over_the_limit(clock):
    calls = []

    @rate_limited("counted", per_minute=1)
    def counted(request):
        calls.append(request)
        return HttpResponse("ok")

    counted(get())
    counted(get())
    assert len(calls) == 1


def test_x_forwarded_for_is_ignored_without_trusted_proxies(clock, settings):
    settings.RATELIMIT_TRUSTED_PROXIES = 0
    for n in range(3):
        view(get("10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"))
    # A client picking a new X-Forwarded-For each time is still one address.
    assert view(get("10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.99")).status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.5", "10.0.0.1"),
        (1, "198.51.100.5", "198.51.100.5"),
        (1, "6.6.6.6, 198.51.100.5", "198.51.100.5"),  # the client's own claim is left of the proxy's
        (2, "6.6.6.6, 198.51.100.5, 10.0.0.9", "198.51.100.5"),
        (2, "198.51.100.5", "10.0.0.1"),  # fewer hops than proxies: the header is not to be trusted
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address_behind_trusted_proxies(settings, proxies, forwarded, expected):
    settings.RATELIMIT_TRUSTED_PROXIES = proxies
    assert client_address(get("10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)) == expected


def test_an_ipv6_client_counts_by_its_64_prefix(settings):
    one = client_address(get("2001:db8:1:2:aaaa::1"))
    other = client_address(get("2001:db8:1:2:bbbb::2"))
    assert one == other == "2001:db8:1:2::/64"
    assert client_address(get("::ffff:203.0.113.7")) == "203.0.113.7"
    assert client_address(get("not an address")) == "unknown"


def test_a_counter_that_expired_between_add_and_incr_starts_again(clock):
    with (
        mock.patch.object(ratelimit.cache, "add", side_effect=[False, True]),
        mock.patch.object(ratelimit.cache, "incr", side_effect=ValueError("gone")),
    ):
        assert ratelimit.hit("test", "1.2.3.4") == (1, 45)


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="per_minute"):
        rate_limited("x", per_minute=0)


def test_the_counter_is_shared_through_redis(settings, clock):
    """With Redis (production), add and incr count atomically in one shared counter."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis 未在 127.0.0.1:6379 运行")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    scope = f"test-{uuid.uuid4().hex}"
    key = f"ratelimit:{scope}:1.2.3.4:{int(clock['t'] // 60)}"
    try:
        assert [ratelimit.hit(scope, "1.2.3.4")[0] for _ in range(3)] == [1, 2, 3]
        shared = caches["default"]
        assert shared.get(key) == 3
        # The counter expires on its own: incr keeps the timeout add set.
        raw_key = shared.make_and_validate_key(key)
        assert 0 < shared._cache.get_client(raw_key).ttl(raw_key) <= 65
    finally:
        caches["default"].delete(key)
