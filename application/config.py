"""Configuration from the environment, read once (the variables of CONTRACT.md).

The variables are handed in (``adapters.environment`` reads the process's):
the use cases never read the environment themselves.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/sesame.db",
    "BROKER_URL": "memory://",
    "SMTP_URL": "maildir://var/mail",
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "MAIL_FROM": "no-reply@localhost",
    "PASSWORD_POLICY": "seeds",
    "ARGON2_MEMORY_KIB": "19456",
    "ARGON2_TIME_COST": "2",
    "ARGON2_PARALLELISM": "1",
    "VERIFICATION_TTL_HOURS": "24",
    "SESSION_TTL_HOURS": "12",
    "SESSION_IDLE_MINUTES": "30",
    "RETENTION_SWEEP_SECONDS": "3600",
    "OIDC_ACCESS_TOKEN_MINUTES": "10",
}

# OWASP's floor for argon2id; configuration may raise the cost, never lower it.
ARGON2_FLOOR = {"ARGON2_MEMORY_KIB": 19456, "ARGON2_TIME_COST": 2, "ARGON2_PARALLELISM": 1}


class ConfigurationError(ValueError):
    """A variable has a value Sésame cannot run with."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str
    smtp_url: str
    public_url: str
    mail_from: str
    secret_key: bytes
    password_policy: str
    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int
    verification_ttl_hours: int
    session_ttl_hours: int
    session_idle_minutes: int
    retention_sweep_seconds: int
    key_encryption_key: bytes | None = None  # wraps the subject keys; derived from secret_key when None
    oidc_access_token_minutes: int = 10

    @property
    def embedded(self) -> bool:
        """True when every process role runs inside ``sesame serve``."""
        return self.broker_url.startswith("memory://")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        value = {k: env.get(k) or default for k, default in DEFAULTS.items()}
        for name, floor in ARGON2_FLOOR.items():
            if int(value[name]) < floor:
                raise ConfigurationError(f"{name} may not be below {floor}")
        if value["PASSWORD_POLICY"] not in ("seeds", "nist"):
            raise ConfigurationError("PASSWORD_POLICY is 'seeds' or 'nist'")
        return cls(
            database_url=value["DATABASE_URL"],
            broker_url=value["BROKER_URL"],
            smtp_url=value["SMTP_URL"],
            public_url=value["PUBLIC_URL"].rstrip("/"),
            mail_from=value["MAIL_FROM"],
            secret_key=_secret_key(env.get("SECRET_KEY")),
            password_policy=value["PASSWORD_POLICY"],
            argon2_memory_kib=int(value["ARGON2_MEMORY_KIB"]),
            argon2_time_cost=int(value["ARGON2_TIME_COST"]),
            argon2_parallelism=int(value["ARGON2_PARALLELISM"]),
            verification_ttl_hours=int(value["VERIFICATION_TTL_HOURS"]),
            session_ttl_hours=int(value["SESSION_TTL_HOURS"]),
            session_idle_minutes=int(value["SESSION_IDLE_MINUTES"]),
            retention_sweep_seconds=int(value["RETENTION_SWEEP_SECONDS"]),
            key_encryption_key=_key_encryption_key(env.get("KEY_ENCRYPTION_KEY")),
            oidc_access_token_minutes=_positive(value, "OIDC_ACCESS_TOKEN_MINUTES"),
        )


def _key_encryption_key(configured: str | None) -> bytes | None:
    if configured and len(configured) < 32:
        raise ConfigurationError("KEY_ENCRYPTION_KEY must be at least 32 characters")
    return configured.encode() if configured else None


def _positive(value: dict[str, str], name: str) -> int:
    try:
        number = int(value[name])
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigurationError(f"{name} must be a whole number above 0")
    return number


def _secret_key(configured: str | None, path: Path = Path("var/secret_key")) -> bytes:
    """The configured key, or one generated once into ``var/`` (mode 0600)."""
    if configured:
        if len(configured) < 32:
            raise ConfigurationError("SECRET_KEY must be at least 32 characters")
        return configured.encode()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()
