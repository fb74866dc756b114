"""The package layout is the dependency graph: every module imports only from its own floor or
the floors below it, no two modules import each other (directly or round a longer loop), and
the two faces never import each other.  Read from the source's import statements, every one of
them, at any depth in the module (a deferred import in a function counts like any other);
nothing is imported or run.

Floors, lowest first:

- ``core``: the finding model, documents, text escaping, the persistent map; imports nothing
  of ours (but the package's ``__version__``);
- ``engine``: parsing, the lexer, suppressions, the registry, selection, cache, incremental
  analysis, fix validation; it finds the checks through the registry (``rules/*.toml`` names
  a module the registry loads by name), never by importing them;
- ``checks``: the rules' checks, their fixes and their libraries (taint, tree, layout, ...);
- ``project``: configuration and the files of a project;
- ``report``: the reporters;
- ``faces``: the command line and the language server, each on its own;
- ``program``: ``nova-lsp`` itself, which offers both faces.

Only annotation imports under ``if TYPE_CHECKING:`` are left out: they are never executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "nova_lsp"

FLOORS = [
    ("core", ("nova_lsp.core",)),
    ("engine", ("nova_lsp.engine",)),
    ("checks", ("nova_lsp.checks",)),
    ("project", ("nova_lsp.config", "nova_lsp.files")),
    ("report", ("nova_lsp.report",)),
    ("faces", ("nova_lsp.cli", "nova_lsp.server")),
    ("program", ("nova_lsp.main", "nova_lsp.__main__")),
]
FACES = ("nova_lsp.cli", "nova_lsp.server")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in node.body:
                ids.update(id(n) for n in ast.walk(inner))
    return ids


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                # ``from pkg import module`` is an import of that module
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return {m for m in found if m == "nova_lsp" or m.startswith("nova_lsp.")}


def floor_of(name: str) -> int | None:
    for index, (_, prefixes) in enumerate(FLOORS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return index
    return None


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def test_every_module_is_on_a_floor():
    loose = [m for m in modules() if m != "nova_lsp" and floor_of(m) is None]
    assert not loose, f"modules on no floor (add them to FLOORS in this test): {loose}"


def test_no_module_imports_a_higher_floor():
    upward = []
    for module, imported in graph().items():
        mine = floor_of(module)
        for target in imported:
            theirs = floor_of(target)
            if target == "nova_lsp" or mine is None or theirs is None:
                continue  # the package itself holds only __version__
            if theirs > mine:
                upward.append(f"{module} ({FLOORS[mine][0]}) imports {target} ({FLOORS[theirs][0]})")
    assert not upward, "\n".join(upward)


def test_the_faces_do_not_import_each_other():
    crossing = []
    for module, imported in graph().items():
        for face in FACES:
            other = FACES[1 - FACES.index(face)]
            if (module == face or module.startswith(face + ".")) and any(
                t == other or t.startswith(other + ".") for t in imported
            ):
                crossing.append(module)
    assert not crossing, crossing


def test_core_imports_nothing_of_ours_but_the_version():
    for module, imported in graph().items():
        if floor_of(module) == 0:
            outside = {m for m in imported if m != "nova_lsp" and floor_of(m) != 0}
            assert not outside, (module, outside)


def test_no_two_modules_import_each_other():
    edges = graph()
    # strongly connected components (Tarjan, iterative): any with two or more modules is a loop
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    loops = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        loops.append(sorted(component))
                continue
            if child not in edges:
                continue
            if child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    assert not loops, loops


def test_the_reader_sees_the_imports_it_must():
    # the test itself must be able to fail: the known edges are there
    edges = graph()
    assert "nova_lsp.core.model" in edges["nova_lsp.engine.analyze"]
    assert "nova_lsp.server" in edges["nova_lsp.main"]  # the deferred one, in main()
    assert "nova_lsp.checks.layout" in edges["nova_lsp.checks.imports"]
    assert floor_of("nova_lsp.checks.taint") == 2 and floor_of("nova_lsp.cli.check") == 5
