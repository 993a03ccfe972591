"""The load test's users: readers of the pages, the API and an export, and reporters submitting reports
through the real form (signed in, with its CSRF token and the assignment's version), at the same time.

Run by ``metrics.loadtest.client`` with ``LOADTEST_REPORTERS`` reporters and the other users readers.
Any answer other than the expected one (200, or the form's redirect after a report) is an error.
"""

import itertools
import math
import os
import random
import re

from locust import HttpUser, between, task

from metrics.loadtest.forms import hidden

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "tiendo-demo")
# The demo's reporters, each for a unit of their own: no two of them can report on one assignment.
ACCOUNTS = ("hanoi", "hagiang", "camau", "bocongan")
REPORTERS = int(os.environ.get("LOADTEST_REPORTERS", "4"))

_ASSIGNMENT = re.compile(r"/reports/new/\?assignment=(\d+)")


class Browser(HttpUser):
    abstract = True

    def request(self, method, path, *, name=None, expect=(200,), **kwargs):
        # Production cookies are Secure; on the loopback there is no TLS, so the client sends them anyway.
        for cookie in self.client.cookies:
            cookie.secure = False
        if method == "POST":
            kwargs.setdefault("headers", {})["Referer"] = f"{self.host}{path}"
        with self.client.request(
            method, path, name=name or path, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} (expected {', '.join(map(str, expect))})")
            else:
                response.success()
            return response


class Reader(Browser):
    """An official reading figures: the summary, a programme, a table, the API and an export."""

    wait_time = between(0.2, 1.0)

    @task(3)
    def summary(self):
        self.request("GET", "/", name="/ (summary)")

    @task(2)
    def programme(self):
        self.request("GET", "/programmes/DA06/", name="programme")

    @task(2)
    def table(self):
        self.request("GET", "/programmes/CDS2022/assignments/?status=overdue", name="table")

    @task(2)
    def api_summary(self):
        self.request("GET", "/api/programmes/DA06/summary?unit=01", name="api summary")

    @task(1)
    def api_assignments(self):
        self.request(
            "GET", f"/api/assignments?programme=CDS2022&page={random.randint(1, 20)}", name="api page"
        )

    @task(1)
    def export(self):
        self.request("GET", "/programmes/DA06/tasks/?_export=csv", name="export csv")


class Reporter(Browser):
    """A unit's reporter: signs in through the login form, then reports progress on its assignments."""

    fixed_count = REPORTERS
    abstract = REPORTERS == 0  # locust reads a fixed count of 0 as "no fixed count"
    wait_time = between(1.0, 3.0)
    _numbers = itertools.count()

    def on_start(self):
        number = next(self._numbers)
        self.account = ACCOUNTS[number % len(ACCOUNTS)]
        # Reporters sharing an account take disjoint slices of its assignments: no conflict by design.
        self.slot, self.stride = number // len(ACCOUNTS), max(1, math.ceil(REPORTERS / len(ACCOUNTS)))
        form = self.request("GET", "/accounts/login/", name="login form")
        self.request(
            "POST",
            "/accounts/login/",
            name="login",
            expect=(302,),
            data={
                "username": self.account,
                "password": PASSWORD,
                "csrfmiddlewaretoken": hidden(form.text, "csrfmiddlewaretoken"),
            },
        )
        listing = self.request("GET", "/reports/", name="reports list")
        ids = list(dict.fromkeys(_ASSIGNMENT.findall(listing.text)))
        self.assignments = ids[self.slot :: self.stride]

    @task
    def submit(self):
        if not self.assignments:
            return
        assignment = random.choice(self.assignments)
        path = f"/reports/new/?assignment={assignment}"
        form = self.request("GET", path, name="report form")
        if form.status_code != 200:
            return
        self.request(
            "POST",
            path,
            name="report submit",
            expect=(302,),
            data={
                "csrfmiddlewaretoken": hidden(form.text, "csrfmiddlewaretoken"),
                "version": hidden(form.text, "version"),
                "effective_date": hidden(form.text, "effective_date"),
                "status": "in_progress",
                "percent": str(random.randint(1, 99)),
                "note": "loadtest",
            },
        )
