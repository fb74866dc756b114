#!/usr/bin/env python3
"""Scaling benchmark: how analysis cost grows with the findings and the text, per rule.

For every shape below, the same kind of text is generated at four sizes, each twice the one
before, and measured in one run; the table gives the median time of ``--repeat`` runs at each
size and the *growth exponent*: the least-squares slope of log(time) over log(size).  1.0 is
linear, 2.0 quadratic; the target is at most 1.15 everywhere.

Engine (in this process, CPU time of ``analyze`` with the CLI's garbage-collector settings):

- per rule, N findings of that rule in N small functions (``NOVA001`` ... ``NOVA901``), and
  N findings that are all silenced by inline suppressions (they must cost no fix work);
- ``NOVA001 dense``: N findings in one function;
- plain code without findings: 10k to 80k lines (``--plain-lines``);
- long flat chains: a concatenation of N terms, an ``elif`` ladder of N branches, a boolean
  chain of N comparisons (each must be analysed, not skipped);
- memory: peak RSS of a child process that analyses a module of N module-level functions, and
  one of N module-level imports.

Editor (a real server over stdio, ``python -m nova_lsp serve``; wall time):

- ``didOpen`` of a file of N findings until its ``publishDiagnostics``;
- a ``textDocument/codeAction`` request on that file (the quick fixes of one line, and the
  fix-all action), from a client that resolves edits lazily and from one that does not (Neovim
  0.7); the first request for a text and a repeated one;
- one ``didChange`` carrying E edits (100 to 800) on a 12,000-line module, until the
  ``publishDiagnostics`` of that version.

The 2.7 MB file of 60,000 findings from the "close the floors" issue is checked by the CLI
and opened in the server too (``--big``).

    python benchmarks/bench_scaling.py [--sizes 1000,2000,4000,8000] [--repeat 3]
                                       [--sections engine,memory,editor,big] [--json out.json]

Standard library only (plus nova_lsp itself, imported from the repository).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

TARGET_EXPONENT = 1.15
CHAIN_SIZES = (250, 500, 1000, 2000)

HEADER = (
    "import time\n\nimport requests\nimport tenacity\nfrom oslo_log import log as logging\n\n"
    "LOG = logging.getLogger(__name__)\n\n\n"
)

# one finding per function; {i} numbers the functions
PER_RULE = {
    "NOVA001": "def f{i}(password):\n    LOG.debug('pw %s', password)\n\n\n",
    "NOVA002": "def f{i}(password):\n    raise ValueError('bad %s' % password)\n\n\n",
    "NOVA003": (
        "def f{i}(client):\n    while True:\n        try:\n            return client.get()\n"
        "        except requests.ConnectionError:\n            pass\n\n\n"
    ),
    "NOVA003 decorator": (
        "@tenacity.retry(retry=tenacity.retry_if_exception_type(requests.ConnectionError))\n"
        "def f{i}(client):\n    return client.get()\n\n\n"
    ),
    "NOVA004": (
        "def f{i}(self, context, consumer, allocations):\n"
        "    self.reportclient.put_allocations(context, consumer, allocations)\n\n\n"
    ),
    "NOVA005": "def f{i}(self, url, body):\n    resp = self._client.put(url, json=body)\n\n\n",
    "NOVA006": "def f{i}(d, k):\n    try:\n        return d[k]\n    except Exception:\n        pass\n\n\n",
    "NOVA007": "def f{i}():\n    # FIXME: remove\n    return 1\n\n\n",
    "NOVA008": "def f{i}():\n    return requests.get('http://glance.internal:9292/v2/images/{i}')\n\n\n",
    "NOVA901": "def f{i}():\n    return 1  # nova-lsp: ignore[NOVA006]\n\n\n",
    "suppressed NOVA001": "def f{i}(password):\n    LOG.debug('pw %s', password)  # nova-lsp: ignore[NOVA001]\n\n\n",
}
SELECT = {
    "NOVA003 decorator": "NOVA003",
    "NOVA901": "NOVA006,NOVA901",
    "suppressed NOVA001": "NOVA001",
}

PLAIN_METHOD = '''
    def {name}(self, context, instance, {arg}=None):
        """Refresh the {arg} of an instance."""
        LOG.debug("Refreshing %s for instance %s", {arg}, instance.uuid)
        result = self.{arg}_api.show(context, instance.uuid, {arg})
        if result and result.get("status") == "ACTIVE":
            self._notify(context, instance, "refresh.end")
        for item in result.get("items", []):
            if item.get("deleted"):
                continue
            self.cache[item["id"]] = item
        return result
'''


def rule_text(shape: str, n: int) -> str:
    return HEADER + "".join(PER_RULE[shape].format(i=i) for i in range(n))


def dense_text(n: int) -> str:
    body = "".join(f"    LOG.debug('attempt {i}: %s', password)\n" for i in range(n))
    return HEADER + "def configure(password):\n" + body


def plain_text(lines: int) -> str:
    out = [HEADER, "class Manager(object):\n"]
    count = 0
    index = 0
    while count < lines:
        method = PLAIN_METHOD.format(name=f"refresh_{index}", arg=("port", "volume", "flavor")[index % 3])
        out.append(method)
        count += method.count("\n")
        index += 1
    return "".join(out)


def concat_text(n: int) -> str:
    terms = " + ".join(f"part{i}" for i in range(n))
    return HEADER + f"def build(password):\n    query = {terms} + password\n    LOG.debug(query)\n"


def elif_text(n: int) -> str:
    lines = ["def pick(kind, password):"]
    for i in range(n):
        lines.append(f"    {'if' if i == 0 else 'elif'} kind == {i}:")
        lines.append(f"        value = {i}")
    lines.append("    else:")
    lines.append("        value = password")
    lines.append("    LOG.debug('picked %s', value)")
    return HEADER + "\n".join(lines) + "\n"


def boolean_text(n: int) -> str:
    chain = " or ".join(f"kind == {i}" for i in range(n))
    return HEADER + f"def known(kind, password):\n    if {chain}:\n        LOG.debug('known %s', password)\n"


def module_functions_text(n: int) -> str:
    return HEADER + "".join(f"def f{i}(x):\n    return x\n\n\n" for i in range(n))


def module_imports_text(n: int) -> str:
    return HEADER + "".join(f"import mod{i}\n" for i in range(n)) + "\n\ndef f(password):\n    LOG.debug(password)\n"


# -- measuring ---------------------------------------------------------------------------------


def exponent(sizes, times) -> float | None:
    points = [(math.log(s), math.log(t)) for s, t in zip(sizes, times) if t > 0]
    if len(points) < 2:
        return None
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    num = sum((x - mx) * (y - my) for x, y in points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return num / den if den else None


def cli_gc() -> None:
    """The collector as ``nova-lsp check`` runs it (see nova_lsp/cli/check.py)."""
    from nova_lsp.engine.runtime import tune_gc

    tune_gc()


def engine_time(text: str, select: str | None, repeat: int) -> tuple[float, int, list[str]]:
    from nova_lsp.config import Config
    from nova_lsp.core.document import Document
    from nova_lsp.engine.analyze import analyze

    config = Config(select=tuple(select.split(","))) if select else Config()
    selection = config.selection()
    times = []
    analysis = None
    for _ in range(repeat):
        document = Document(text, "nova/compute/generated.py")
        gc.collect()
        started = time.process_time()
        analysis = analyze(document, selection)
        times.append(time.process_time() - started)
    return statistics.median(times), len(analysis.findings), [e.message for e in analysis.errors]


def engine_rows(sizes, repeat: int, plain_lines) -> list[dict]:
    rows = []
    shapes = [(shape, lambda n, s=shape: rule_text(s, n), SELECT.get(shape, shape)) for shape in PER_RULE]
    shapes.append(("NOVA001 dense (one function)", dense_text, "NOVA001"))
    for label, make, select in shapes:
        rows.append(_row(label, sizes, [make(n) for n in sizes], select, repeat))
    # CPython itself compiles chains of at most about 2,900 terms or branches
    for label, make in (
        ("concatenation of N terms", concat_text),
        ("elif ladder of N branches", elif_text),
        ("boolean chain of N tests", boolean_text),
    ):
        rows.append(_row(label, CHAIN_SIZES, [make(n) for n in CHAIN_SIZES], None, repeat))
    plain = [plain_text(n) for n in plain_lines]
    rows.append(_row("plain code, all rules (size = lines)", plain_lines, plain, None, repeat))
    return rows


def _row(label, sizes, texts, select, repeat) -> dict:
    times, findings, errors = [], [], []
    for text in texts:
        seconds, found, errs = engine_time(text, select, repeat)
        times.append(seconds)
        findings.append(found)
        errors.extend(errs)
    row = {"shape": label, "sizes": list(sizes), "seconds": times, "findings": findings, "errors": sorted(set(errors))}
    row["exponent"] = exponent(sizes, times)
    print(_line(row), flush=True)
    return row


def _line(row) -> str:
    cells = " ".join(f"{t:8.3f}" for t in row["seconds"])
    exp = row["exponent"]
    note = f"  errors: {row['errors']}" if row["errors"] else ""
    return f"  {row['shape']:42} {cells}   exp {exp:5.2f}  findings {row['findings']}{note}"


_RSS_CHILD = r"""
import gc, resource, sys, time
sys.path.insert(0, sys.argv[1])
from nova_lsp.engine.runtime import tune_gc
from nova_lsp.config import Config
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
text = open(sys.argv[2], encoding="utf-8").read()
selection = Config().selection()
analyze(Document("x = 1\n"), selection)
tune_gc()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
analysis = analyze(Document(text, "nova/generated.py"), selection)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, after, len(analysis.findings), len(analysis.errors))
"""


def rss_rows(sizes) -> list[dict]:
    rows = []
    for label, make in (("RSS: N module-level functions", module_functions_text), ("RSS: N module-level imports", module_imports_text)):
        used = []
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                path = Path(tmp) / "module.py"
                path.write_text(make(n), encoding="utf-8")
                out = subprocess.run(
                    [sys.executable, "-c", _RSS_CHILD, str(REPO), str(path)], capture_output=True, text=True, check=True
                ).stdout.split()
                before, after = int(out[0]), int(out[1])
                used.append(max(after - before, 1) / 1024)  # MB grown by the analysis
        row = {"shape": label + " (MB grown)", "sizes": list(sizes), "seconds": used, "findings": [], "errors": []}
        row["exponent"] = exponent(sizes, used)
        print(_line(row), flush=True)
        rows.append(row)
    return rows


# -- the editor -------------------------------------------------------------------------------


def _client(root: Path, resolve: bool):
    import bench_server  # sibling module: the minimal stdio LSP client

    capabilities = {
        "textDocument": {
            "synchronization": {"didSave": True},
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True, "dataSupport": True},
            "codeAction": {
                "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}},
                **({"resolveSupport": {"properties": ["edit"]}, "dataSupport": True} if resolve else {}),
            },
        },
        "workspace": {"configuration": True},
    }
    client = bench_server.StdioClient([sys.executable, "-m", "nova_lsp", "serve"])
    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}],
            "capabilities": capabilities,
        },
        timeout=600,
    )
    client.notify("initialized", {})
    return client


def _open(client, uri: str, text: str, version: int = 1) -> float:
    sent = time.perf_counter()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}})
    return client.wait_published(uri, version, timeout=1800) - sent


def _code_action(client, uri: str, line: int) -> float:
    started = time.perf_counter()
    client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "context": {"diagnostics": []},
        },
        timeout=1800,
    )
    return time.perf_counter() - started


def editor_rows(sizes, root: Path) -> list[dict]:
    opened, first, again = {True: [], False: []}, {True: [], False: []}, {True: [], False: []}
    for resolve in (True, False):
        client = _client(root, resolve)
        try:
            for n in sizes:
                text = rule_text("NOVA001", n)
                uri = (root / "nova" / f"findings_{n}_{int(resolve)}.py").as_uri()
                opened[resolve].append(_open(client, uri, text))
                line = text.count("\n") // 2
                line = next(i for i, l in enumerate(text.split("\n")) if i >= line and "LOG.debug" in l)
                first[resolve].append(_code_action(client, uri, line))
                again[resolve].append(statistics.median(_code_action(client, uri, line + 5 * k) for k in range(1, 4)))
        finally:
            client.close()
    rows = []
    for label, values in (
        ("editor: didOpen of N findings -> diagnostics", opened[True]),
        ("editor: codeAction, client resolves edits (first)", first[True]),
        ("editor: codeAction, client resolves edits (again)", again[True]),
        ("editor: codeAction, no resolve support (first)", first[False]),
        ("editor: codeAction, no resolve support (again)", again[False]),
    ):
        row = {"shape": label, "sizes": list(sizes), "seconds": values, "findings": [], "errors": []}
        row["exponent"] = exponent(sizes, values)
        print(_line(row), flush=True)
        rows.append(row)
    rows.append(did_change_row(root))
    return rows


def did_change_row(root: Path, counts=(100, 200, 400, 800)) -> dict:
    text = plain_text(12000)
    lines = text.split("\n")
    editable = [i for i, l in enumerate(lines) if l.strip().startswith("return result")]
    client = _client(root, True)
    times = []
    try:
        for round_, count in enumerate(counts):
            uri = (root / "nova" / f"manager_{count}.py").as_uri()
            _open(client, uri, text)
            changes = []
            for k in range(count):
                line = editable[(k * 7919) % len(editable)]
                col = len(lines[line])
                changes.append(
                    {
                        "range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}},
                        "text": "  # e",
                    }
                )
            sent = time.perf_counter()
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": changes})
            client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
            times.append(time.perf_counter() - sent)
    finally:
        client.close()
    row = {"shape": "editor: didChange of E edits, 12k lines (size = E)", "sizes": list(counts), "seconds": times, "findings": [], "errors": []}
    row["exponent"] = exponent(counts, times)
    print(_line(row), flush=True)
    return row


def big_file_rows(root: Path) -> list[dict]:
    """The 2.7 MB file of 60,000 findings: CLI and editor."""
    text = rule_text("NOVA001", 60000)
    path = root / "nova" / "big.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "nova_lsp", "check", str(path), "--no-cache", "--format", "json", "--exit-zero"],
        capture_output=True, text=True, cwd=root,
    )
    cli_s = time.perf_counter() - started
    found = len(json.loads(proc.stdout)["findings"]) if proc.returncode == 0 else None
    client = _client(root, True)
    try:
        editor_s = _open(client, path.as_uri(), text)
    finally:
        client.close()
    size = len(text.encode())
    print(f"  big file: {size / 1e6:.1f} MB, CLI {cli_s:.1f} s ({found} findings, exit {proc.returncode}), editor {editor_s:.1f} s", flush=True)
    return [{"shape": "big file", "bytes": size, "cli_s": cli_s, "cli_findings": found, "cli_exit": proc.returncode, "editor_s": editor_s}]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000")
    parser.add_argument("--plain-lines", default="10000,20000,40000,80000,160000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sections", default="engine,memory,editor,big")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    plain = [int(s) for s in args.plain_lines.split(",")]
    sections = set(args.sections.split(","))
    cli_gc()
    rows: list[dict] = []
    print(f"sizes {sizes}; seconds (medians of {args.repeat}); exponent = slope of log t over log size")
    if "engine" in sections:
        rows += engine_rows(sizes, args.repeat, plain)
    if "memory" in sections:
        rows += rss_rows([2000, 4000, 8000, 16000])
    with tempfile.TemporaryDirectory(prefix="nova-lsp-scaling-") as tmp:
        root = Path(tmp)
        (root / "nova").mkdir()
        if "editor" in sections:
            rows += editor_rows(sizes, root)
        if "big" in sections:
            rows += big_file_rows(root)
    worst = max((r["exponent"] for r in rows if r.get("exponent") is not None), default=None)
    print(f"largest exponent: {worst:.2f} (target <= {TARGET_EXPONENT})" if worst is not None else "no exponents")
    if args.json:
        report = {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_1m": os.getloadavg()[0]},
            "rows": rows,
            "target_exponent": TARGET_EXPONENT,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if worst is None or worst <= TARGET_EXPONENT else 1


if __name__ == "__main__":
    sys.exit(main())
