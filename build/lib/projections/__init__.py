"""Read models built from the event store's notification log.

Each projection applies events to its tables and records how far it has read
(``tracking``) in the same transaction, so it is exactly-once and restart-safe,
and rebuildable from zero by clearing its tables and its position.
"""
