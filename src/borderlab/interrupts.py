"""Ctrl-C that is never lost.

Python turns SIGINT into a KeyboardInterrupt wherever the main thread happens to be. When
that is a finalizer (`__del__`) — numba and llvmlite free LLVM objects in finalizers all
through a kernel's compilation — Python prints "Exception ignored in …" and carries on:
an ensemble interrupted while its first run compiled went on to the end, wrote its
manifest and exited 0. The handler here also remembers the signal. Loops that run for long
call `check()`, which raises it again, and `cli.main` exits 130 if it was lost anyway.
"""

from __future__ import annotations

import signal
import threading

_state = {"pending": False}


def _on_sigint(signum, frame):
    _state["pending"] = True
    raise KeyboardInterrupt


def install() -> None:
    """Use the remembering handler (main thread only; a handler someone else set is kept)."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


def pending() -> bool:
    return _state["pending"]


def check() -> None:
    """Raise the KeyboardInterrupt of a Ctrl-C that a finalizer swallowed."""
    if _state["pending"]:
        raise KeyboardInterrupt
