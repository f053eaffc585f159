"""`borderlab explore [SCENARIO] [--port P] [--host H]`: the local web app (docs/explore.md)."""

from __future__ import annotations

from typing import Optional

import typer

from ..console import LazyConsole

err = LazyConsole(stderr=True)   # rich is imported when something is printed (console.py)


def explore(
    scenario: Optional[str] = typer.Argument(None, help="Built-in scenario name or YAML path to open first (default: the first built-in)."),
    port: int = typer.Option(0, "--port", "-p", min=0, max=65535, help="Port to listen on; 0 picks a free one."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Anything but loopback lets other computers use it (and read files through it): a warning is printed."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Seed of the base run (default: the scenario's)."),
):
    """Open a local web page to change a scenario's levers, run it (or a small ensemble) and compare with the base run.

    Bound to 127.0.0.1 unless --host says otherwise; needs no network (every script is served locally)."""
    from .server import is_loopback, serve

    if not is_loopback(host):
        err.print(f"[yellow]warning:[/] --host {host}: the explorer will answer other computers on the network; "
                  "it has no login, and anyone who reaches it can run scenarios and open scenario files on this computer",
                  highlight=False)
    if scenario is not None:   # a bad scenario is refused here, with the schema's messages, not in the page
        from ..scenario.loader import load_scenario
        load_scenario(scenario)
    try:
        serve(scenario, host=host, port=port, seed=seed,
              announce=lambda url: print(f"borderlab explore: open {url} (Ctrl-C to stop)", flush=True))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
