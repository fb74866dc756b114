"""What each function of the project does, known across functions and files.

A rule's check may export *summaries*: small, JSON-able facts about the functions and methods
of a text, computed from the same parse and by the same knowledge as its findings ("the value
this function returns carries a secret from its parameter ``password``", "it forwards its
arguments to a logger", "it returns a success flag", "it validates allocation dicts", "as a
decorator it backs off").  A check declares them next to ``check``::

    def summarize(ctx, function) -> dict | None:   # one function's facts, None for none
        ...

The engine asks for every module-level function and every method (``qualname``); a summary
that needs another function of the same text asks ``ctx.project`` for it, and gets it computed
first (a function that ends up asking for itself, round a cycle, gets nothing).

Summaries are sparse: a function about which a rule knows nothing worth telling has no entry,
so a caller only has to look again at a file when something it calls gained or lost facts.

Other checks (and other files) read them through ``ctx.project``, a ``ProjectView``:

- the *local* summaries of the text being analysed, computed first in the same run;
- the summaries of the rest of the project, when the caller has them (the CLI's first phase,
  the server's workspace index), by module name and qualified name.

Every look-up of another module's function is recorded, by its dotted name, with the digest
of what it found (nothing included), so a caller can tell when a result must be recomputed:
when one of those summaries changes, appears or goes.  Resolving a call to a dotted name is
the checks' business (``nova_lsp.checks.calls``): from the text's imports, ``self`` / ``cls``
methods and simple attribute types, never by importing or executing anything.  The engine
only keeps the tables.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

ModuleSummaries = Mapping[str, Mapping[str, Any]]  # qualname -> rule id -> facts
Project = Mapping[str, ModuleSummaries]  # module name -> its summaries

# How many times a caller re-analyses the files whose look-ups changed before it stops: facts
# travel one call further each round (a helper of a helper of a helper), and a cycle of
# functions that keep changing each other's facts must not run for ever.
MAX_ROUNDS = 4


def digest(value: Any) -> str:
    """A short stable hash of JSON-able facts."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def resolve(project: Project, dotted: str) -> tuple[str, Mapping[str, Any]] | None:
    """(module, that function's facts) for a dotted name such as ``nova.utils.execute`` or
    ``nova.virt.images.Client.fetch``: the longest module prefix the project has decides."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        summaries = project.get(module)
        if summaries is not None:
            entry = summaries.get(".".join(parts[cut:]))
            return (module, entry) if entry is not None else None
    return None


def qualname(function) -> str | None:
    """``fn`` / ``Class.method`` / ``Outer.Inner.method`` for a function a summary describes
    (a module-level one or a method), None for a nested function or a lambda."""
    parts = [function.name]
    parent = function.parent
    while parent is not None and parent.__class__.__name__ == "ClassDef":
        parts.append(parent.name)
        parent = parent.parent
    if parent is None or parent.__class__.__name__ != "Module":
        return None
    return ".".join(reversed(parts))


@dataclass
class ProjectView:
    """The summaries a check may read while one text is analysed."""

    module: str = ""  # this text's module name ("nova.compute.utils"), "" when unknown
    project: Project = field(default_factory=dict)  # module -> summaries
    package: bool = False  # the text is a package's ``__init__``
    paths: Mapping[str, str] = field(default_factory=dict)  # module -> its file, as reported
    local: dict = field(default_factory=dict)  # this text's own summaries (filled by the engine)
    used: dict = field(default_factory=dict)  # dotted name -> digest of its facts, or None
    # (qualname, rule) -> facts: computes one of this text's summaries on demand (the engine's)
    compute: Any = field(default=None, repr=False)

    @property
    def prefix(self) -> str:
        """What this text's own functions' dotted names start with (``<text>`` when the
        module's name is not known: its functions still know each other)."""
        return self.module or "<text>"

    def fresh(self) -> "ProjectView":
        """A view of the same project for one analysis (its own local summaries and look-ups)."""
        return ProjectView(self.module, self.project, self.package, self.paths)

    def path_of(self, module: str) -> str | None:
        """The file of another module, for a finding's related location (None: this text's
        own, or not known)."""
        if not module or module == self.module:
            return None
        return self.paths.get(module)

    def local_facts(self, qualname: str, rule: str) -> Any | None:
        if self.compute is not None:
            return self.compute(qualname, rule)
        return self.local.get(qualname, {}).get(rule)

    def lookup(self, dotted: str, rule: str) -> tuple[str, Any] | None:
        """(module, the facts ``rule`` recorded) for the function ``dotted`` names, or None.
        A name in this text's own module is answered from its local summaries."""
        prefix = self.prefix + "."
        if dotted.startswith(prefix):
            facts = self.local_facts(dotted[len(prefix) :], rule)
            return (self.module, facts) if facts is not None else None
        found = resolve(self.project, dotted)
        if dotted not in self.used:
            self.used[dotted] = digest(found[1]) if found is not None else None
        if found is None:
            return None
        facts = found[1].get(rule)
        return (found[0], facts) if facts is not None else None


def module_of_path(path: str) -> tuple[str, bool]:
    """(module, is a package) for a project-relative path, every directory taken for a package
    (``nova/virt/images.py`` -> ``nova.virt.images``): for texts that are not files (rule
    examples, a test's project in memory)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    if not parts or not parts[-1].endswith(".py"):
        return "", False
    parts[-1] = parts[-1][:-3]
    package = parts[-1] == "__init__"
    if package:
        parts.pop()
    return ".".join(parts), package


def still_valid(used: Mapping[str, str | None], project: Project) -> bool:
    """Whether the summaries a result consulted are still what they were."""
    for dotted, seen in used.items():
        found = resolve(project, dotted)
        if (digest(found[1]) if found is not None else None) != seen:
            return False
    return True
