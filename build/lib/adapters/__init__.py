"""One module per outside thing (SQLite, PostgreSQL, Maildir, SMTP, argon2,
dramatiq), chosen from the configuration's URLs in ``adapters.bootstrap``."""
