"""``nova-lsp``: the program, both faces behind one command.

``nova-lsp serve`` starts the language server (``nova_lsp.server``); every other command is
the command line's (``nova_lsp.cli``).  The two faces never import each other.  A missing
dependency is said in one line naming the package and how to install it, never as an
internal error with a traceback.
"""

from __future__ import annotations

import sys

from nova_lsp import missing_dependency

def main(argv: list[str] | None = None) -> int:
    try:
        from nova_lsp import cli
        from nova_lsp.cli.options import build_parser
    except ModuleNotFoundError as exc:
        return missing(exc)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help
        return int(exc.code or 0)
    if args.command == "serve":
        # imported only here: pygls and lsprotocol cost every `check` start-up otherwise
        try:
            from nova_lsp.server import serve
            from nova_lsp.server.server import create_server  # noqa: F401 - its imports, now
        except ModuleNotFoundError as exc:
            return missing(exc)
        return serve(tcp=args.tcp)
    return cli.run(args, parser)


def missing(exc: ModuleNotFoundError) -> int:
    """Exit status 2 with the package to install, for a dependency that is not installed."""
    message = missing_dependency(exc, sys.executable)
    if message is None:
        raise exc  # not one of ours: a real bug, reported as one
    print(message, file=sys.stderr)
    return 2
