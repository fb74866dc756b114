"""`python -m nova_lsp` runs the command-line interface."""

import sys

from nova_lsp.cli import main

if __name__ == "__main__":
    sys.exit(main())
