"""nova-lsp's real server with an instrumented engine, for behaviour a real rule cannot trigger
on demand.  Markers in the analysed text:

- ``# TEST:SLOW=<seconds>``: the analysis sleeps that long first (shutdown during analysis,
  stale results under rapid edits);
- ``# TEST:BOOM``: the analysis raises (resilience).

Every NOVA006 finding (``except: pass``) also gets two overlapping real fixes, as
the engine's fixes will look: "Catch ValueError instead" (preferred) and "Catch OSError
instead" (both leave code that parses and no longer has the finding), and a related location
(line 1, columns 0-4: the test texts start with ``try:``).

The command ``nova-lsp.test.stats`` answers how many analyses ran, and the most that ever ran
at once for one document.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import Counter
from dataclasses import replace

import nova_lsp.engine.fix_all as fixing_module
import nova_lsp.server.analysis as analysis_module
from nova_lsp.engine.incremental import IncrementalAnalyzer
from nova_lsp.core.model import Edit, Fix, FixKind, Related, Span
from nova_lsp.server import serve
from nova_lsp.server import server as server_module

_real_analyze = analysis_module.analyze
_SLOW = re.compile(r"# TEST:SLOW=(\d+(?:\.\d+)?)")
_lock = threading.Lock()
_active: Counter = Counter()
_stats = {"analyses": 0, "max_concurrent_per_document": 0, "active": 0}


def _synthetic_fixes(document, finding):
    line = document.line(finding.span.start_line)
    col = line.find("except:")
    if col < 0:
        return finding
    col += len("except")
    span = Span(finding.span.start_line, col, finding.span.start_line, col)
    preferred = Fix("Catch ValueError instead", (Edit(span, " ValueError"),), FixKind.FIX, preferred=True)
    other = Fix("Catch OSError instead", (Edit(span, " OSError"),), FixKind.FIX)
    related = (Related(Span(0, 0, 0, 4), "the `try` whose errors are discarded"),)
    return replace(finding, fixes=(preferred, other) + finding.fixes, related=related)


def instrumented_analyze(document, config=None, registry=None, *, fixes=True, project=None):
    with _lock:
        _stats["analyses"] += 1
        _stats["active"] += 1
        _active[document.path] += 1
        _stats["max_concurrent_per_document"] = max(_stats["max_concurrent_per_document"], _active[document.path])
    try:
        match = _SLOW.search(document.text)
        if match:
            time.sleep(float(match.group(1)))
        if "# TEST:BOOM" in document.text:
            raise RuntimeError("instrumented engine failure")
        analysis = _real_analyze(document, config, fixes=fixes, project=project)
        findings = tuple(
            _synthetic_fixes(document, f) if f.rule == "NOVA006" else f for f in analysis.findings
        )
        return replace(analysis, findings=findings)
    finally:
        with _lock:
            _stats["active"] -= 1
            _active[document.path] -= 1


def stats(ls, *args):
    with _lock:
        return dict(_stats)


analysis_module.analyze = instrumented_analyze
# the server analyses open documents through their incremental analyser: instrument it too
# (the instrumented engine then analyses every version whole)
IncrementalAnalyzer.analyze = lambda self, document, config=None, project=None: instrumented_analyze(
    document, config, project=project
)
fixing_module.analyze = instrumented_analyze  # fix-all re-analyses through nova_lsp.engine.fix_all
server_module.COMMANDS.append(("nova-lsp.test.stats", stats))

if __name__ == "__main__":
    sys.exit(serve())
