"""The command line's consoles, made when something is first printed.

Importing rich (its console, progress bars and tables) costs ≈15–40 ms and ≈3.5 MiB, and
`import borderlab.cli` imports every command's module. `borderlab run … -q` prints nothing
when it succeeds, so the command modules hold a `LazyConsole` instead of a rich `Console`,
and import `Table` or `Progress` inside the function that draws one
(docs/performance.md, "Startup: import only what the command uses").
"""

from __future__ import annotations


class LazyConsole:
    """Stands for `rich.console.Console(**options)`, which it makes on first use; every
    attribute (`print`, `log`, …) is the console's. A Progress bar is given the console
    itself (`console=err.console`): rich enters it with `with`, which does not go
    through `__getattr__`."""

    def __init__(self, **options):
        self._options = options
        self._console = None

    @property
    def console(self):
        """The rich Console itself (imports rich the first time)."""
        if self._console is None:
            from rich.console import Console
            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str):
        # only called for names this object lacks: everything but _options, _console, console
        if name.startswith("__") or name in ("_options", "_console"):
            raise AttributeError(name)   # copy/pickle probes, or an object made without __init__
        return getattr(self.console, name)
