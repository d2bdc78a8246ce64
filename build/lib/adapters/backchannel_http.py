"""POSTing a logout_token to a client's back-channel logout endpoint (httpx).

Back-Channel Logout 1.0 §2.5, §2.8: the token goes form-encoded as
``logout_token``; the client answers 200 (or 204) when it logged the session
out. A 5xx, 408, 425 or 429, a timeout or a refused connection mean "try
later": the outbox keeps the row and retries with back-off. Any other answer
(400: the client rejected the token) is final (``Undeliverable``), and the row
keeps the status and the start of the body for support. Redirects are not
followed: the registered URI is the only place a token goes.
"""

from __future__ import annotations

import httpx

from application.mail_delivery import Undeliverable

TRY_LATER = {408, 425, 429}


class BackchannelHttp:
    def __init__(self, timeout: float = 5.0) -> None:
        self.client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(self, uri: str, logout_token: str) -> None:
        answer = self.client.post(uri, data={"logout_token": logout_token}, headers={"Cache-Control": "no-store"})
        if answer.is_success:
            return
        said = f"HTTP {answer.status_code} {answer.text[:200]!r}"
        if answer.status_code >= 500 or answer.status_code in TRY_LATER:
            raise ConnectionError(said)
        raise Undeliverable(said)

    def close(self) -> None:
        self.client.close()
