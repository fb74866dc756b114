#!/usr/bin/env python3
"""Language-server benchmark: save-to-diagnostics latency and memory, through real stdio.

A minimal JSON-RPC client (this file, standard library only) starts ``python -m nova_lsp
serve`` and talks to it over pipes exactly as an editor does.

1. Latency: open a ~1,500-line Nova-style module, then ``--saves`` times each: edit one line
   (incremental ``didChange``) and save (``didSave``) at once, and edit, wait for the edit's
   debounced diagnostics, then save; time from sending ``didSave`` to receiving the
   ``publishDiagnostics`` for that version.  Saving right after an edit is the worst case:
   the whole analysis runs after the save.  The engine's own time for the same texts is
   measured in-process too, so the server's share is visible.
2. Memory: open ``--docs`` distinct ~1,000-line modules, wait for all their diagnostics, and
   read ``VmRSS`` / ``VmHWM`` of the server from ``/proc/<pid>/status``.

Modules come from ``benchmarks/corpus.py`` when it is importable (the same generator as the
CLI benchmark), else from a small built-in generator.

    python benchmarks/bench_server.py [--saves 60] [--docs 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import queue
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGETS = {"p50_ms": 60.0, "p95_ms": 150.0, "rss_mb": 250.0}


# -- workload ---------------------------------------------------------------------------------------


def _corpus_module(seed: int, lines: int) -> str | None:
    try:
        sys.path.insert(0, str(HERE))
        import corpus  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - fall back to the built-in generator
        return None
    finally:
        sys.path.pop(0)
    kinds = ("compute", "scheduler", "conductor", "report", "virt", "api")
    for attempt in range(50):
        try:
            rng = random.Random(seed * 1000 + attempt)
            g = corpus.Gen(rng)
            planner = corpus.DefectPlanner(g)
            kind = kinds[(seed + attempt) % len(kinds)]
            ctx = corpus.Ctx(kind, f"nova/{kind}/bench_{seed:03d}.py")
            text, _ = corpus.finalize(corpus.build_file(g, ctx, planner, lines))
            ast.parse(text)
            return text
        except Exception:  # noqa: BLE001 - the generator's kinds/API may differ; try another
            continue
    return None


_FUNC = '''
    def {name}(self, context, instance, {arg}=None):
        """{verb} the {noun} of an instance."""
        LOG.debug("{verb} %s for instance %s", {arg}, instance.uuid)
        try:
            result = self.{noun}_api.{verb}(context, instance.uuid, {arg})
        except exception.{Noun}NotFound:
            LOG.warning("{Noun} %s is gone", {arg}, instance=instance)
            return None
        except Exception:
            pass
        if result and result.get("status") == "ACTIVE":
            self._notify(context, instance, "{verb}.end")
        return result
'''


def _builtin_module(seed: int, lines: int) -> str:
    rng = random.Random(seed)
    nouns = ["volume", "port", "allocation", "migration", "flavor", "image", "aggregate"]
    verbs = ["attach", "detach", "claim", "refresh", "update", "delete", "rebuild"]
    out = [
        "# Copyright 2024 nova-lsp benchmarks",
        "from oslo_log import log as logging",
        "",
        "from nova import exception",
        "",
        "LOG = logging.getLogger(__name__)",
        "",
        "",
        f"class Manager{seed}(object):",
    ]
    index = 0
    while len(out) < lines:
        noun, verb = rng.choice(nouns), rng.choice(verbs)
        out.extend(
            _FUNC.format(
                name=f"_{verb}_{noun}_{index}", arg=f"{noun}_id", verb=verb, noun=noun, Noun=noun.capitalize()
            ).splitlines()
        )
        index += 1
    return "\n".join(out) + "\n"


def module(seed: int, lines: int) -> tuple[str, str]:
    text = _corpus_module(seed, lines)
    if text is not None:
        return text, "benchmarks/corpus.py"
    return _builtin_module(seed, lines), "built-in generator"


# -- a minimal LSP client over stdio ------------------------------------------------------------------


class StdioClient:
    def __init__(self, command: list[str]) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=REPO
        )
        self._next_id = 0
        self._responses: dict[int, queue.Queue] = {}
        self._published: dict[tuple[str, int | None], list[float]] = {}
        self._published_cv = threading.Condition()
        self._write_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def _write(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        with self._write_lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _read_message(self) -> dict | None:
        stream = self.process.stdout
        length = 0
        while True:
            line = stream.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(stream.read(length))

    def _read_loop(self) -> None:
        while True:
            message = self._read_message()
            if message is None:
                return
            received = time.perf_counter()
            method = message.get("method")
            if method == "textDocument/publishDiagnostics":
                params = message["params"]
                with self._published_cv:
                    self._published.setdefault((params["uri"], params.get("version")), []).append(received)
                    self._published_cv.notify_all()
            elif method is not None and "id" in message:  # a request from the server
                result = [None for _ in message["params"]["items"]] if method == "workspace/configuration" else None
                self._write({"id": message["id"], "result": result})
            elif method is None and message.get("id") in self._responses:
                self._responses[message["id"]].put(message)

    def request(self, method: str, params=None, timeout: float = 120):
        self._next_id += 1
        box: queue.Queue = queue.Queue()
        self._responses[self._next_id] = box
        self._write({"id": self._next_id, "method": method, "params": params})
        return box.get(timeout=timeout).get("result")

    def notify(self, method: str, params=None) -> None:
        self._write({"method": method, "params": params})

    def wait_published(self, uri: str, version: int | None, count: int = 1, timeout: float = 120) -> float:
        """When the ``count``-th publishDiagnostics for (uri, version) arrived."""
        deadline = time.monotonic() + timeout
        with self._published_cv:
            while len(self._published.get((uri, version), ())) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no diagnostics for {uri} version {version}")
                self._published_cv.wait(remaining)
            return self._published[(uri, version)][count - 1]

    def rss_kb(self) -> dict[str, int]:
        values = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
        return values

    def close(self) -> int:
        try:
            self.request("shutdown", timeout=30)
            self.notify("exit")
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def start_server(root: Path) -> StdioClient:
    client = StdioClient([sys.executable, "-m", "nova_lsp", "serve"])
    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}],
            "capabilities": {
                "textDocument": {
                    "synchronization": {"didSave": True},
                    "publishDiagnostics": {"relatedInformation": True, "versionSupport": True, "dataSupport": True},
                    "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}},
                },
                "workspace": {"configuration": True},
            },
        },
    )
    client.notify("initialized", {})
    return client


def did_open(client: StdioClient, uri: str, text: str) -> None:
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )


# -- measurements -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _edit(client: StdioClient, uri: str, version: int, line: int, column: int, insert: str) -> None:
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [
                {
                    "range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}},
                    "text": insert,
                }
            ],
        },
    )


def measure_latency(root: Path, lines: int, saves: int) -> dict:
    """Two ways to save: right after an edit (the analysis runs after didSave: worst case), and
    after a pause in which the debounced analysis of the edit already ran (the usual case)."""
    text, source = module(1, lines)
    uri = (root / "nova" / "compute" / "manager.py").as_uri()
    lines_of_text = text.split("\n")
    # edit lines that end a statement, so every version parses like real typing between saves
    editable = [i for i, line in enumerate(lines_of_text) if line.strip().startswith(("LOG.", "return", "self."))]
    client = start_server(root)
    at_once: list[float] = []
    after_pause: list[float] = []
    texts: list[str] = []
    sequence: list[tuple[str, bool]] = []  # every version sent, and whether a save followed at once
    try:
        did_open(client, uri, text)
        client.wait_published(uri, 1)
        version = 1
        for n in range(saves):
            for pause in (False, True):
                version += 1
                line = editable[(version * 37) % len(editable)]
                insert = f"  # edit {version}"
                column = len(lines_of_text[line])
                lines_of_text[line] += insert
                _edit(client, uri, version, line, column, insert)
                sequence.append(("\n".join(lines_of_text), not pause))
                if pause:  # the debounced analysis publishes this version first
                    client.wait_published(uri, version)
                    time.sleep(0.05)
                else:
                    texts.append("\n".join(lines_of_text))
                sent = time.perf_counter()
                client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                received = client.wait_published(uri, version, count=2 if pause else 1)
                (after_pause if pause else at_once).append((received - sent) * 1000)
                time.sleep(0.05)  # a person does not save 20 times a second
        code = client.close()
    finally:
        if client.process.poll() is None:
            client.process.kill()

    # the engine alone on the same texts, in this process, for comparison
    sys.path.insert(0, str(REPO))
    from nova_lsp.config import Config
    from nova_lsp.core.document import Document
    from nova_lsp.engine.analyze import analyze

    config = Config()
    engine = []
    for sample in texts[: min(len(texts), 30)]:
        started = time.perf_counter()
        analyze(Document(sample, "manager.py", 1), config.selection())
        engine.append((time.perf_counter() - started) * 1000)
    # ... and as the server runs it: every version in turn through one incremental analyser
    try:
        from nova_lsp.engine.incremental import IncrementalAnalyzer
    except ImportError:  # an older checkout: no incremental analysis to measure
        IncrementalAnalyzer = None
    incremental: list[float] = []
    modes: dict[str, int] = {}
    if IncrementalAnalyzer is not None:
        analyzer = IncrementalAnalyzer()
        analyzer.analyze(Document(text, "manager.py", 1), config.selection())
        for sample, timed in sequence:
            started = time.perf_counter()
            analyzer.analyze(Document(sample, "manager.py", 1), config.selection())
            if timed:
                incremental.append((time.perf_counter() - started) * 1000)
                modes[analyzer.last_mode] = modes.get(analyzer.last_mode, 0) + 1

    def figures(values: list[float]) -> dict:
        return {
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "max_ms": round(max(values), 1),
        }

    return {
        "module_lines": text.count("\n"),
        "module_source": source,
        "saves": saves,
        "save_right_after_edit": figures(at_once),
        "save_after_pause": figures(after_pause),
        "engine_alone": figures(engine),
        "engine_incremental": figures(incremental) if incremental else None,
        "incremental_modes": modes,
        "exit_code": code,
    }


def measure_memory(root: Path, docs: int, lines: int) -> dict:
    texts = [module(100 + i, lines)[0] for i in range(docs)]
    client = start_server(root)
    try:
        idle = client.rss_kb()
        uris = []
        started = time.perf_counter()
        for i, text in enumerate(texts):
            uri = (root / "nova" / f"module_{i:03d}.py").as_uri()
            uris.append(uri)
            did_open(client, uri, text)
        for uri in uris:
            client.wait_published(uri, 1, timeout=900)
        elapsed = time.perf_counter() - started
        loaded = client.rss_kb()
        client.close()
    finally:
        if client.process.poll() is None:
            client.process.kill()
    return {
        "documents": docs,
        "document_lines": round(statistics.fmean(t.count("\n") for t in texts)),
        "idle_rss_mb": round(idle["VmRSS"] / 1024, 1),
        "rss_mb": round(loaded["VmRSS"] / 1024, 1),
        "peak_rss_mb": round(loaded["VmHWM"] / 1024, 1),
        "open_and_analyse_all_s": round(elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--lines", type=int, default=1500)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--doc-lines", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    import tempfile

    with tempfile.TemporaryDirectory(prefix="nova-lsp-bench-server-") as tmp:
        root = Path(tmp)
        latency = measure_latency(root, args.lines, args.saves)
        memory = measure_memory(root, args.docs, args.doc_lines)
    worst, usual, engine = latency["save_right_after_edit"], latency["save_after_pause"], latency["engine_alone"]
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
        "latency": latency,
        "memory": memory,
        "targets": TARGETS,
        "met_save_right_after_edit": {
            "p50": worst["p50_ms"] <= TARGETS["p50_ms"],
            "p95": worst["p95_ms"] <= TARGETS["p95_ms"],
        },
        "met_save_after_pause": {
            "p50": usual["p50_ms"] <= TARGETS["p50_ms"],
            "p95": usual["p95_ms"] <= TARGETS["p95_ms"],
        },
        "met_rss": memory["peak_rss_mb"] <= TARGETS["rss_mb"],
    }
    print(f"didSave -> publishDiagnostics, {latency['module_lines']}-line module ({latency['module_source']}), "
          f"{latency['saves']} saves of each kind:")
    rows = [("save right after an edit", worst), ("save after a pause", usual), ("engine, whole text", engine)]
    if latency["engine_incremental"]:
        rows.append(("engine, incremental", latency["engine_incremental"]))
    for label, values in rows:
        print(f"  {label:26} p50 {values['p50_ms']:7.1f} ms  p95 {values['p95_ms']:7.1f} ms  max {values['max_ms']:7.1f} ms")
    if latency["incremental_modes"]:
        print(f"  incremental analyser: {latency['incremental_modes']}")
    print(
        f"{memory['documents']} open documents of ~{memory['document_lines']} lines: "
        f"RSS {memory['rss_mb']} MB, peak {memory['peak_rss_mb']} MB (idle {memory['idle_rss_mb']} MB); "
        f"opened and analysed in {memory['open_and_analyse_all_s']} s"
    )
    print(f"load average (1 min) at the end: {report['machine']['load_average_1m']} on {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
