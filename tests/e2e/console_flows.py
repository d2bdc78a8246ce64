"""A staff member's way into the console through a running server: the
invitation mail, the password, the two-step set-up (codes computed here with
pyotp), sign-in. For every console test, of the pages and of the browser."""

from __future__ import annotations

import re
import time

import httpx
import pyotp

from tests.e2e.flows import PASSWORD
from tests.e2e.harness import Sesame, link_token


def invite(sesame: Sesame, name: str, role: str, email: str, agency: str | None = None) -> str:
    """``sesame staff add --email``; the invitation's token, read from the mail."""
    args = ["staff", "add", name, "--role", role, "--email", email] + (["--agency", agency] if agency else [])
    assert "invitation" in sesame.cli(*args, check=True).stdout
    return link_token(sesame.wait_for_mail(email), "/console/invitation")


class ConsoleBrowser:
    """A member's browser on the console: its cookies, each form posted with
    the CSRF token of the page it is on."""

    def __init__(self, sesame: Sesame) -> None:
        self.http = httpx.Client(base_url=sesame.url, follow_redirects=False, timeout=30)

    def submit(self, page_url: str, action: str | None = None, **fields: str) -> httpx.Response:
        page = self.http.get(page_url)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token, page.text
        return self.http.post(action or page_url.split("?")[0], data={"csrf": token.group(1), **fields})

    def choose_password(self, token: str, password: str = PASSWORD) -> httpx.Response:
        return self.submit(
            f"/console/invitation?token={token}", token=token, password=password, password_confirmation=password
        )

    def set_up_two_step(self) -> tuple[pyotp.TOTP, list[str]]:
        """The QR page's secret typed into an authenticator, its first code, the recovery codes."""
        setup = self.submit("/console/deux-etapes")
        secret = re.search(r'id="cle-secrete"[^>]*><code>([A-Z2-7 ]+)</code>', setup.text)
        assert secret, setup.text
        totp = pyotp.TOTP(secret.group(1).replace(" ", ""))
        done = self.submit("/console/deux-etapes", "/console/deux-etapes/confirmer", code=totp.now())
        assert "Ils ne seront plus jamais affichés" in done.text, done.text
        return totp, re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)

    def sign_in(self, email: str, code: str, password: str = PASSWORD) -> httpx.Response:
        return self.submit("/console", email=email, password=password, code=code)

    def sign_out(self) -> httpx.Response:
        return self.submit("/console/accueil", "/console/deconnexion")


def next_code(totp: pyotp.TOTP, steps: int = 1) -> str:
    """The code of a later time step (never used yet: each step serves once)."""
    return totp.at(time.time() + 30 * steps)


def enrolled(
    sesame: Sesame, name: str, role: str, email: str, agency: str | None = None
) -> tuple[ConsoleBrowser, pyotp.TOTP, list[str]]:
    """A member invited, with a password and two-step sign-in, signed in."""
    browser = ConsoleBrowser(sesame)
    chosen = browser.choose_password(invite(sesame, name, role, email, agency))
    assert chosen.headers.get("location") == "/console/deux-etapes", chosen.text
    totp, codes = browser.set_up_two_step()
    return browser, totp, codes
