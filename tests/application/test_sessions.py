"""Login: stronger hashing parameters re-hash the password at the next login."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.bootstrap import bootstrap
from application.config import Settings
from tests.application.conftest import FakeClock
from tests.application.test_retention import PASSWORD, activated, identity_of, imported


def test_raised_argon2_parameters_rehash_at_login(
    workdir: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OWASP ASVS 5.0 V11.4.2 / NIST SP 800-63B §3.1.1.2: the stored hash follows the configured cost."""
    app = bootstrap(Settings.from_env(os.environ), clock=clock)
    person = activated(app, imported(app, 31), "rehash@exemple.fr")
    old_hash = identity_of(app, person.id).password_hash
    app.stop()
    monkeypatch.setenv("ARGON2_TIME_COST", "3")
    stronger = bootstrap(Settings.from_env(os.environ), clock=clock)
    stronger.sessions.log_in("rehash@exemple.fr", PASSWORD)
    identity = identity_of(stronger, person.id)
    assert identity.password_hash is not None
    assert identity.password_hash != old_hash and "t=3" in identity.password_hash
    kinds = [type(e).__name__ for e in stronger.store.events.get(person.id)]
    assert kinds[-2:] == ["PasswordRehashed", "FirstDeviceSignedIn"]  # the first sign-in's device, too
    stronger.sessions.log_in("rehash@exemple.fr", PASSWORD)  # no second re-hash
    assert [type(e).__name__ for e in stronger.store.events.get(person.id)] == kinds
    stronger.stop()


def test_the_floor_cannot_be_lowered(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from application.config import ConfigurationError

    monkeypatch.setenv("ARGON2_MEMORY_KIB", "1024")
    with pytest.raises(ConfigurationError):
        Settings.from_env(os.environ)
