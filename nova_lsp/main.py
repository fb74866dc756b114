"""``nova-lsp``: the program, both faces behind one command.

``nova-lsp serve`` starts the language server (``nova_lsp.server``); every other command is
the command line's (``nova_lsp.cli``).  The two faces never import each other.
"""

from __future__ import annotations

from nova_lsp import cli
from nova_lsp.cli.options import build_parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help
        return int(exc.code or 0)
    if args.command == "serve":
        # imported only here: pygls and lsprotocol cost every `check` start-up otherwise
        from nova_lsp.server import serve

        return serve(tcp=args.tcp)
    return cli.run(args, parser)
