#!/usr/bin/env python3
"""Issues certificates through the real HTTP API, as learners would: sign up, complete the
lesson, pass the graded quiz, ask for the certificate. Then an admin (made with
`waypost admin create-admin`, by run.sh) revokes one. Prints `ids=…` and `revoked=…`.

Usage: issue_certificates.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD [--revoke-last] NAME…"""

import http.cookiejar
import json
import re
import sys
import urllib.request
import uuid

BASE = sys.argv[1].rstrip("/")
ADMIN_EMAIL, ADMIN_PASSWORD = sys.argv[2], sys.argv[3]
REVOKE_LAST = sys.argv[4] == "--revoke-last"
NAMES = sys.argv[5:] if REVOKE_LAST else sys.argv[4:]
COURSE, LESSON, QUIZ = "verifier-course", "only-lesson", "check"


class Client:
    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        req = urllib.request.Request(
            BASE + path, data=None if body is None else json.dumps(body).encode(), headers=headers, method=method
        )
        try:
            with self.opener.open(req, timeout=30) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text and r.headers.get_content_type().endswith("json") else text)
        except urllib.error.HTTPError as e:
            raise SystemExit(f"{method} {path}: {e.code} {e.read().decode()}") from e

    def sign_up(self, email, name):
        _, me = self.call("POST", "/api/users", {"email": email, "display_name": name, "password": "verifier passphrase 1"})
        self.csrf = me["csrf_token"]

    def sign_in(self, email, password):
        _, me = self.call("POST", "/api/session", {"email": email, "password": password})
        self.csrf = me["csrf_token"]


def earn(i, name):
    c = Client()
    c.sign_up(f"learner-{uuid.uuid4().hex[:8]}@example.org", name)
    c.call("POST", "/api/progress", {"course": COURSE, "lesson": LESSON, "event": "completed"})
    _, page = c.call("GET", f"/{COURSE}/{LESSON}.html")
    version = re.search(r'data-version="([^"]+)"', page).group(1)
    _, result = c.call(
        "POST",
        f"/api/courses/{COURSE}/quizzes/{QUIZ}/attempts",
        {"attempt_id": str(uuid.uuid4()), "version": version, "answers": {"sky": True}},
    )
    assert result["passed"] and result["course_completed"], result
    status, answer = c.call("POST", f"/api/courses/{COURSE}/certificate", {"name": name})
    assert status == 201, (status, answer)
    return answer["certificate"]["id"]


ids = [earn(i, name) for i, name in enumerate(NAMES)]
print("ids=" + ",".join(ids))
if REVOKE_LAST:
    admin = Client()
    admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    _, revoked = admin.call("POST", f"/api/certificates/{ids[-1]}/revoke", {"reason": "revoked by the verifier run"})
    assert revoked["certificate"]["status"] == "revoked", revoked
    print("revoked=" + ids[-1])
