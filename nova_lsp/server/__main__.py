"""``python -m nova_lsp.server [--tcp HOST:PORT]``: the language server without the CLI."""

import argparse
import sys

from nova_lsp.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nova_lsp.server", description="nova-lsp language server")
    parser.add_argument("--stdio", action="store_true", help="speak LSP over stdin/stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead (for debugging)")
    args = parser.parse_args(argv)
    return serve(tcp=args.tcp)


if __name__ == "__main__":
    sys.exit(main())
