"""Sésame as an OpenID Connect provider: clients, signing keys, sign-ins, tokens."""
