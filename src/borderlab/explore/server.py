"""Serve the explorer: on 127.0.0.1 unless told otherwise, on a free port when asked, with every
script and style served by this process (Panel/Bokeh's own static routes; no CDN, no network)."""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path

from ..errors import BorderlabError

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str = LOOPBACK) -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_port(host: str, port: int) -> None:
    """Refuse, with the fix, a port that cannot be listened on (in use, or not allowed)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
    except OSError as exc:
        raise BorderlabError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc})\n"
                             "    hint: choose another port, or --port 0 for a free one") from None


def serve(source: str | None, *, host: str = LOOPBACK, port: int = 0, seed: int | None = None,
          announce=print) -> None:
    """Serve until interrupted. `announce` receives the URL line (the CLI prints it)."""
    import panel as pn

    from .app import WORKER, create_page, warm_up

    port = port or free_port(host)
    check_port(host, port)
    url_host = f"[{host}]" if ":" in host else host
    url = f"http://{url_host}:{port}/"
    # the browser's Origin must match: this host and port on loopback; any when served to a network
    origins = sorted(f"{h}:{port}" for h in {url_host, "localhost", "127.0.0.1"}) if is_loopback(host) else ["*"]
    # every session's folder lives under one folder of this server, removed when it stops
    # (a tab still open at Ctrl-C never gets its "session destroyed" call)
    root = Path(tempfile.mkdtemp(prefix="borderlab-explore-"))
    # `kill`: remove the folder and stop at once (the page's threads are not waited for;
    # every file the explorer writes is written atomically, so nothing is left half-written)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: (shutil.rmtree(root, ignore_errors=True), os._exit(0)))
    # only now start the warm-up and say where we are: a `kill` from then on finds the folder
    # and the handler in place (before, a kill in between left the folder behind)
    WORKER.submit(warm_up, source)
    announce(url)
    try:
        pn.serve(lambda: create_page(source, seed, root), address=host, port=port, show=False,
                 title="borderlab explore", websocket_origin=origins, verbose=False, threaded=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)

