"""The mails Sésame sends, in French, as plain text with an HTML alternative.

A mail's ``Message-ID`` is its outbox id at Sésame's mail domain, the same on
every attempt: a copy sent again after a worker died between the relay's 250
and the record of it is recognisably the same message (mail servers and
clients drop or thread it as one).
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from adapters import french_text
from application.account_settings import EMAIL_CHANGE
from application.activation import VERIFY_EMAIL
from application.agencies import Look
from application.contract_names import ContractName
from application.keyring import Keyring
from application.password_reset import PASSWORD_RESET
from application.ports import Clock
from application.staff import STAFF_INVITATION

MAIL_TEMPLATES = Path(__file__).parent.parent / "application" / "templates" / "mail"
SUBJECTS = {
    "verify_email": "Validez votre adresse email",
    "reset_password": "Réinitialisation de votre mot de passe",
    "confirm_email": "Confirmez votre nouvelle adresse email",
    "email_change_notice": "Changement d'adresse email demandé",
    "password_changed_notice": "Votre mot de passe a été modifié",
    "password_reset_notice": "Votre mot de passe a été réinitialisé",
    "account_linked_notice": "Un bien a été rattaché à votre compte",
    "email_changed_notice": "Votre adresse email a été changée",
    "account_erased_notice": "Votre compte a été supprimé",
    "new_device_notice": "Nouvelle connexion à votre compte",
    "security_notice": "Sécurité de votre compte modifiée",
    "staff_invitation": "Invitation à la console Sésame",
}
LINKS = {
    "verify_email": (VERIFY_EMAIL, "/verify-email"),
    "reset_password": (PASSWORD_RESET, "/reset-password"),
    "confirm_email": (EMAIL_CHANGE, "/confirm-email"),
    "staff_invitation": (STAFF_INVITATION, "/console/invitation"),
}


ContractOf = Callable[[str], tuple[ContractName, Look | None] | None]


class MailComposer:
    """``contract_of`` names the contract a mail is about and finds its
    agency's look: the mail then bears the agency's name, logo and colour."""

    def __init__(
        self, keys: Keyring, public_url: str, sender: str, clock: Clock, contract_of: ContractOf = lambda _: None
    ) -> None:
        self.keys = keys
        self.public_url = public_url
        self.sender = sender
        self.domain = parseaddr(sender)[1].rpartition("@")[2] or urlparse(public_url).hostname or "localhost"
        self.clock = clock
        self.contract_of = contract_of
        self.templates = Environment(
            loader=FileSystemLoader(MAIL_TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
        )
        french_text.install(self.templates)

    def compose(self, mail: dict[str, Any]) -> EmailMessage:
        """The message for an outbox row; links are derived here, never stored."""
        kind = mail["kind"]
        context = dict(mail["payload"], public_url=self.public_url)
        named = self.contract_of(mail["payload"].get("account_id") or "")
        context["contract"], context["agency"] = named if named else (None, None)
        if kind in LINKS:
            purpose, path = LINKS[kind]
            token = self.keys.mint(purpose, UUID(mail["identity_id"]), mail["payload"]["nonce"])
            context["link"] = f"{self.public_url}{path}?token={token}"
        message = EmailMessage()
        signature = context["agency"].name if context["agency"] else "Mon compte immobilier"
        message["Subject"] = f"{signature} – {SUBJECTS[kind]}"
        message["From"] = self.sender
        message["To"] = mail["recipient"]
        message["Date"] = format_datetime(self.clock.now())
        message["Message-ID"] = f"<{mail['mail_id']}@{self.domain}>"
        message["X-Sesame-Mail-Id"] = mail["mail_id"]
        message.set_content(self.templates.get_template(f"{kind}.txt").render(context))
        message.add_alternative(self.templates.get_template(f"{kind}.html").render(context), subtype="html")
        return message
