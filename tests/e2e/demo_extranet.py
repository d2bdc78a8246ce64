"""A demo agency extranet in the test process: a relying party built on
Authlib's OAuth client (PKCE, code flow), serving a few French pages with
``http.server``. It signs one person in with Sésame, shows the contract the
ID token names, signs out through the end-session endpoint, and keeps the
back-channel logout tokens it receives."""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.e2e.harness import Sesame, free_port
from tests.e2e.oidc_flows import discovery, register

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Extranet démo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; margin: 2rem; max-width: 40rem">
<h1>Extranet démo de l'agence</h1>{}</body></html>"""


class DemoExtranet:
    def __init__(self, sesame: Sesame) -> None:
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"  # another host than the portal's: cookies of its own
        self.meta = discovery(sesame)
        self.client = register(
            sesame, "Extranet démo", "--redirect-uri", self.url + "/cb", "--post-logout-redirect-uri",
            self.url + "/au-revoir", "--backchannel-logout-uri", self.url + "/backchannel",
        )
        self.keys = KeySet.import_key_set(httpx.get(self.meta["jwks_uri"]).json())
        self.pending: dict[str, str] = {}  # state → PKCE verifier
        self.claims: dict[str, Any] | None = None
        self.id_token = ""
        self.logout_tokens: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def oauth(self) -> OAuth2Client:
        return OAuth2Client(
            self.client["client_id"], self.client["client_secret"], scope="openid email profile",
            redirect_uri=self.url + "/cb", code_challenge_method="S256",
        )

    def begin(self) -> str:
        verifier = generate_token(48)
        url, state = self.oauth().create_authorization_url(
            self.meta["authorization_endpoint"], code_verifier=verifier, nonce=generate_token(16)
        )
        self.pending[state] = verifier
        return str(url)

    def finish(self, query: dict[str, str]) -> None:
        verifier = self.pending.pop(query["state"])
        token = self.oauth().fetch_token(
            self.meta["token_endpoint"], grant_type="authorization_code", code=query["code"], code_verifier=verifier,
        )
        self.id_token = token["id_token"]
        self.claims = dict(jwt.decode(self.id_token, self.keys, algorithms=["RS256"]).claims)

    def page(self) -> str:
        if self.claims is None:
            return (
                "<p>Vous n'êtes pas connecté.</p>"
                '<p><a href="/connexion">Se connecter avec Mon compte immobilier</a></p>'
            )
        contract = self.claims["contract"]
        return (
            f"<p>Bonjour {html.escape(self.claims.get('name', ''))} !</p>"
            f"<p>Contrat : {html.escape(contract['login_id'])} (agence {html.escape(contract['client_code'])} / "
            f"{html.escape(contract['company_code'])})</p><p><a href=\"/deconnexion\">Se déconnecter</a></p>"
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        extranet = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's hook name
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/connexion":
                    self.redirect(extranet.begin())
                elif parts.path == "/cb":
                    extranet.finish(query)
                    self.redirect("/")
                elif parts.path == "/deconnexion":
                    self.redirect(extranet.meta["end_session_endpoint"] + "?" + urlencode({
                        "id_token_hint": extranet.id_token, "post_logout_redirect_uri": extranet.url + "/au-revoir",
                        "state": "au-revoir",
                    }))
                elif parts.path == "/au-revoir":
                    extranet.claims = None
                    self.html(
                        "<p>Vous êtes déconnecté de l'extranet.</p><p><a href=\"/\">Accueil de l'extranet</a></p>"
                    )
                elif parts.path == "/":
                    self.html(extranet.page())
                else:
                    self.answer(204)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                extranet.logout_tokens += parse_qs(body).get("logout_token", [])
                self.answer(200)

            def redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def html(self, body: str) -> None:
                data = PAGE.format(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
