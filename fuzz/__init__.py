"""kypho's fuzz suite: generators and independent oracles for every input kypho reads.

``fuzz.target.FuzzTarget`` describes one parser; ``fuzz.harness`` runs inputs through
the real CLI entry point, one forked process per input, and classifies what happened.
The quick, seeded profile runs in the test suite (tests/fuzz); the long one is
``bench/fuzz.py --minutes N [--only NAME]``.
"""
