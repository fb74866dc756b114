"""The language server: a pygls adapter around the engine (``nova-lsp serve``).

Only translation and scheduling live here; every finding comes from ``nova_lsp.engine``.
See docs/server.md for the protocol features and settings.
"""

from __future__ import annotations

# Only modules Python has loaded before any of ours (builtin or frozen) at module level:
# ``python -m nova_lsp.server`` imports this package before its __main__ can take the working
# directory off sys.path, and a project's logging.py there must not be imported.
import os
import sys

__all__ = ["serve"]

LOG_LEVEL_ENV = "NOVA_LSP_LOG_LEVEL"


def _parse_tcp(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--tcp expects HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _configure_logging() -> None:
    import logging  # not at module level: see the imports above

    level = os.environ.get(LOG_LEVEL_ENV, "WARNING").upper()
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, level, logging.WARNING),
        format="nova-lsp %(levelname)s %(name)s: %(message)s",
    )


def serve(tcp: str | None = None) -> int:
    """Run the server on stdio (default) or on ``tcp`` ("HOST:PORT"); return the exit code."""
    if tcp is not None:
        try:
            host, port = _parse_tcp(tcp)
        except ValueError as exc:
            print(f"nova-lsp: error: {exc}", file=sys.stderr)
            return 2
    _configure_logging()
    from nova_lsp.engine.runtime import tune_gc
    from nova_lsp.server.server import create_server

    server = create_server()
    tune_gc()
    try:
        if tcp is not None:
            server.start_tcp(host, port)
        else:
            # the protocol owns the real stdout; a stray print() must not corrupt it
            stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
            sys.stdout = sys.stderr
            server.start_io(stdin, stdout)
    except SystemExit:
        pass
    except KeyboardInterrupt:
        return 130
    return server.exit_code
