"""Sésame's use cases, in the person's words (activate, verify_email, log_in...).

Services here take plain values, load aggregates from the event store, run
domain commands and save what changed atomically. They reach the outside world
only through the ports in ``application.ports``; ``adapters.bootstrap`` wires
real adapters in.
"""
