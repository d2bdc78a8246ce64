"""Sésame's domain: the aggregates whose event streams are the source of truth.

Nothing here imports a framework but ``eventsourcing.domain``: no clock, no
secret key, no database. Callers pass in what the domain cannot know (the
time, keyed digests, hashes) so every rule can be tested from events alone.
"""
