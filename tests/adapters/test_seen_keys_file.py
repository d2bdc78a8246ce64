"""An import's seen keys, checked a batch at a time (issue 17): a repeated line
names the line it repeats, in its own batch or an earlier one."""

from __future__ import annotations

from adapters.seen_keys_file import SpilledSeenKeys

A, B, C = "a" * 64, "b" * 64, "c" * 64


def test_a_repeat_names_the_first_line_within_a_batch_and_across_batches() -> None:
    seen = SpilledSeenKeys()
    try:
        assert seen.first_lines([(A, 2), (B, 3), (A, 4)]) == [None, None, 2]
        assert seen.first_lines([(C, 5), (B, 6), (C, 7)]) == [None, 3, 5]
        assert seen.first_lines([]) == []
    finally:
        seen.close()
