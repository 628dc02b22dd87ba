"""Locust users for the load run (deploy/load.py, `make bench`): each role's main pages.

The plan comes from deploy/load.py in LOAD_PLAN (JSON): the web instances' addresses — loopback
only, refused otherwise — a logged-in session per demo role and the pages each role opens. Users
are dealt round-robin to roles and to instances, as a load balancer would; each sends the
session cookie and `X-Forwarded-Proto: https` as the TLS proxy would.
"""

import itertools
import json
import os
import random
from urllib.parse import urlsplit

from locust import HttpUser, between, task

PLAN = json.loads(os.environ["LOAD_PLAN"])
for _url in PLAN["web_urls"]:
    if urlsplit(_url).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"负载测试只打本机回环地址，不打 {_url}")
ROLES = sorted(PLAN["pages"])
_dealt = itertools.count()


class CountyUser(HttpUser):
    host = PLAN["web_urls"][0]
    # A person reads a page before opening the next.
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        n = next(_dealt)
        self.role = ROLES[n % len(ROLES)]
        self.base = PLAN["web_urls"][n % len(PLAN["web_urls"])]
        headers = {"X-Forwarded-Proto": "https"}
        if session := PLAN["sessions"].get(self.role):
            headers["Cookie"] = f"sessionid={session}"
        self.client.headers.update(headers)

    @task
    def open_a_page(self) -> None:
        path = random.choice(PLAN["pages"][self.role])
        with self.client.get(
            self.base + path, name=f"{self.role} {path}", allow_redirects=False, catch_response=True
        ) as response:
            # Every page in the plan answers 200 itself; a redirect (to the login page, say) is an error.
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
