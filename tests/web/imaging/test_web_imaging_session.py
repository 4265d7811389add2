"""The upload form through a browser session: the CSRF token travels in the multipart form."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from web.security.web_security_helpers import sign_in_form

PASSWORD = "correct horse battery staple 7"  # tests/web/conftest.py PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_upload_form_with_a_session_needs_the_form_token(
    users,
    web_app,
    case_pk: int,
    real_mask: Path,  # noqa: ANN001
) -> None:
    users.make("radiologist", username="rad-session")
    browser = TestClient(web_app)
    signed = sign_in_form(browser, "rad-session", PASSWORD)
    assert signed.status_code == 303, signed.text
    page = browser.get(f"/cases/{case_pk}/imaging")
    token = CSRF.search(page.text)
    assert token is not None
    files = {"file": (real_mask.name, real_mask.read_bytes(), "application/gzip")}
    refused = browser.post(f"/cases/{case_pk}/imaging", files=files, data={"layout": "auto"})
    assert refused.status_code == 403
    done = browser.post(f"/cases/{case_pk}/imaging", files=files,
                        data={"layout": "auto", "csrf_token": token.group(1)},
                        follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    shown = browser.get(done.headers["location"])
    assert "example_seg.nii.gz" in shown.text and "picture.png" in shown.text
