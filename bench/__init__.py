"""Sésame's benchmark suite (issue 10): ``make bench`` or ``python -m bench``.

Every figure is a ratio to a physical limit measured in the same run on the
same cores, because the machines it runs on are shared and noisy: an absolute
rate from Tuesday means nothing next to one from Wednesday, a ratio taken side
by side does. One module per benchmark (login, importing, projections, audit),
``runner`` ties them together and ``report`` writes docs/benchmarks.md.
"""
