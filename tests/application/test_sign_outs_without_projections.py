"""A person-wide sign-out (password change or reset, erasure) ends every
client sign-in of theirs even when the projections lag or are stopped: the
sign-ins are found through the token rows written with each ``SignedIn``, not
only through the read model."""

from __future__ import annotations

from datetime import timedelta

from adapters.bootstrap import Container
from application.oidc.tokens import REFRESH
from domain.client_sign_in import ClientSignIn
from tests.application.test_retention import PASSWORD, activated, imported


def test_a_password_change_ends_a_sign_in_the_read_models_have_not_seen(app: Container) -> None:
    person = activated(app, imported(app, 1), "sans-projection@exemple.fr")
    client = app.relying_parties.add("Extranet Dupont", ["https://extranet.test/cb"]).client_id
    sign_in = ClientSignIn(
        person.id, client, "Extranet Dupont", "sid-1", str(person.accounts[0]), ["openid", "offline_access"],
        app.clock.now(),
    )
    tokens = app.oidc_tokens
    refresh = tokens.new_value()
    row = tokens.record(
        refresh, REFRESH, sign_in.id, client, person.id, "openid offline_access", {}, timedelta(days=30)
    )
    app.store.commit(sign_in, writes=tokens.writes(row))  # as the token endpoint does: the row with its event
    app.read_models.wait_timeout = 0  # no projection runs in this test: don't wait for one

    app.account_settings.change_password(person.id, PASSWORD, "Nouve@u-Secret-9", "Nouve@u-Secret-9", keep_session=None)

    assert tokens.live(refresh, REFRESH) is None
    ended = app.store.find(ClientSignIn, sign_in.id)
    assert ended is not None and ended.signed_out == "password_changed"
