"""`python -m nova_lsp` runs the ``nova-lsp`` program.

``python -m`` puts the working directory first on ``sys.path`` (unless Python runs with ``-P``
or ``PYTHONSAFEPATH=1``), and editors and CI start nova-lsp inside the project it checks: an
``argparse.py``, ``json.py`` or ``astroid/`` there would be imported instead of the real one.
So the working directory leaves ``sys.path`` before anything else is imported.  This cannot
protect against a ``nova_lsp/`` package in the working directory (Python imports the package
before this file runs), which is why editors should start ``python -P -m nova_lsp serve`` or
the ``nova-lsp`` executable; see docs/security.md.
"""

import os
import sys


def drop_working_directory(path: list[str]) -> None:
    """Remove the entries of ``path`` that name the working directory (``""`` or its path)."""
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # the working directory was removed: only "" can still name it
        here = None
    path[:] = [entry for entry in path if entry != "" and (here is None or os.path.realpath(entry) != here)]


drop_working_directory(sys.path)

from nova_lsp.main import main  # noqa: E402 - after the sys.path clean-up on purpose

if __name__ == "__main__":
    sys.exit(main())
