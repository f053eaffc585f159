"""Print the fuzz tallies (cases, clean errors, accepted, tracebacks, hangs) after the run."""

from fuzz_harness import TALLY


def pytest_terminal_summary(terminalreporter):
    if not TALLY:
        return
    terminalreporter.section("borderlab fuzz corpus")
    for key in sorted(TALLY, key=lambda k: (":" in k, k)):
        terminalreporter.write_line(f"{key}: {TALLY[key]}")
