"""Signing in, throttled: guessing a password is slowed down to nothing.

Failures are counted in the cache per account name (lower-cased) and per client address
(`config.ratelimit.client_address`) over a quarter of an hour. After `ACCOUNT_FAILURES` failures
for one account, that account cannot sign in from anywhere — the right password included —
until the quarter has passed; after `ADDRESS_FAILURES` from one address, nothing is tried from
there. The page says so in Chinese and when to try again; a successful sign-in clears the
account's count. Django's own `user_login_failed` signal is not enough: it does not stop the
next try.
"""

from __future__ import annotations

import time

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict

from config.ratelimit import client_address

WINDOW = 15 * 60  # seconds
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 30


def _keys(request, username: str) -> tuple[str, str]:
    return f"login-fail:user:{username.strip().lower()}", f"login-fail:ip:{client_address(request)}"


def _count(key: str) -> tuple[int, float]:
    """(failures, seconds until they are forgotten)."""
    value = cache.get(key)
    if not value:
        return 0, 0.0
    failures, first = value
    return failures, max(first + WINDOW - time.time(), 0.0)


def _fail(key: str) -> None:
    failures, left = _count(key)
    first = time.time() - (WINDOW - left) if failures else time.time()
    cache.set(key, (failures + 1, first), timeout=WINDOW)


def locked_out(request, username: str) -> str | None:
    """Why sign-in is refused now, or None."""
    user_key, address_key = _keys(request, username)
    for key, limit, who in ((user_key, ACCOUNT_FAILURES, "该账号"), (address_key, ADDRESS_FAILURES, "本机")):
        failures, left = _count(key)
        if failures >= limit:
            minutes = max(1, round(left / 60))
            return f"{who}登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试；忘记密码请联系组织部重置。"
    return None


class ThrottledLoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if reason := locked_out(request, username):
            # Bound, so the name typed stays in the box, but not validated: the password is not
            # even tried while the account is locked.
            form = self.get_form()
            form._errors, form.cleaned_data = ErrorDict(), {}
            form.add_error(None, ValidationError(reason, code="throttled"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        for key in _keys(self.request, self.request.POST.get("username", "")):
            _fail(key)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_keys(self.request, form.get_user().get_username())[0])
        return super().form_valid(form)
