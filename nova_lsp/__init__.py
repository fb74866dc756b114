"""nova-lsp: security hints for OpenStack-style Python, in the editor and in CI."""

__version__ = "0.1.0"

# the third-party modules nova-lsp imports, and the requirement each comes from (as in
# pyproject.toml): a missing one is named with its install command, never a traceback
REQUIREMENTS = {
    "astroid": "astroid>=3.3,<5",
    "pygls": "pygls>=2.1,<3",
    "lsprotocol": "lsprotocol>=2025.0.0",
    "cattrs": "cattrs>=23.1",
    "attrs": "attrs",
    "attr": "attrs",
}


def missing_dependency(exc: ModuleNotFoundError, executable: str) -> str | None:
    """The error line for ``exc`` when it is one of our dependencies, else None."""
    name = (exc.name or "").split(".")[0]
    requirement = REQUIREMENTS.get(name)
    if requirement is None:
        return None
    package = requirement.split(">")[0].split("<")[0].split("=")[0]
    return (
        f"nova-lsp: error: the Python package {package!r} is not installed in this environment "
        f"({executable}); install it with: {executable} -m pip install '{requirement}'"
    )
