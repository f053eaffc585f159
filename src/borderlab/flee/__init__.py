"""Flee compatibility: run Flee's input folders (locations, routes, closures, conflicts,
UNHCR series, simsetting.yml) with a vectorised engine that follows Flee 3.1's rules.

Entry points: `runner.run_flee(source, seed, days=…, overrides=…)` → `FleeRun`;
`borderlab flee run|convert` (cli.py). See docs/flee.md.
"""
