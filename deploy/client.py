"""A small HTTP client for the stack's gunicorn instances, playing browser and TLS proxy at once
(used by tests/deploy and by the load run to log in).

It keeps one cookie jar for the site (not per instance), as a browser behind a load balancer
does, sends `X-Forwarded-Proto: https` as the proxy would (so HTTPS-only cookies and the SSL
redirect behave as in production), and an `Origin` for the CSRF check. Redirects are returned,
not followed, so a test sees where each answer points.
"""

from __future__ import annotations

import http.client
import re
import uuid
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

TIMEOUT = 30.0


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self, base_url: str, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> Response:
        address = urlsplit(base_url)
        headers = {"X-Forwarded-Proto": "https", "Host": address.netloc}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = f"https://{address.netloc}"
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, base_url: str, path: str) -> Response:
        return self.request(base_url, "GET", path)

    def post(self, base_url: str, path: str, data: dict[str, str]) -> Response:
        data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self.request(
            base_url, "POST", path, urlencode(data).encode(), "application/x-www-form-urlencoded"
        )

    def post_file(
        self, base_url: str, path: str, data: dict[str, str], field: str, filename: str, content: bytes
    ) -> Response:
        boundary = uuid.uuid4().hex
        data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in data.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            base_url, "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
        )

    def log_in(self, base_url: str, username: str, password: str) -> None:
        self.get(base_url, "/accounts/login/")
        response = self.post(base_url, "/accounts/login/", {"username": username, "password": password})
        if response.status != 302:
            raise AssertionError(f"登录 {username} 失败：{response.status}")


class _Forms(HTMLParser):
    """Every <form>'s action and its named inputs' values (the first value for each name)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((attributes.get("action", ""), {}))
        elif tag in ("input", "button") and self.forms and attributes.get("name"):
            if attributes.get("type") in ("radio", "checkbox") and "checked" not in attributes:
                return
            self.forms[-1][1].setdefault(attributes["name"], attributes.get("value", ""))


def forms(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field: str) -> tuple[str, dict[str, str]]:
    """The first form holding an input named `field`."""
    for action, fields in forms(html):
        if field in fields:
            return action, fields
    raise AssertionError(f"页面上没有含 {field} 的表单")


def text_of(html: str) -> str:
    """The page's text, tags dropped, for `in` checks."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
