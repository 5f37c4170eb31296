"""make bench: every scenario, this system beside its peer, alternating (A B A B).

``python -m bench.suite [--quick] [--only fanout,e2e,...]``. Pure parts (stats, cpu,
report) are unit-tested in tests/unit/test_bench_suite.py; running it is never a test.
"""
