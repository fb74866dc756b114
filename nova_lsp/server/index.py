"""The workspace index: what every function of the workspace does (its rules' summaries,
``nova_lsp.engine.project``), so that a call into another file is followed in the editor as
``nova-lsp check`` follows it.

- **Built in the background** after ``initialized`` (and again when the workspace folders or
  the configuration change), with ``$/progress`` when the client supports it.  A small
  workspace is summarised on the analysis threads; a large one in worker processes (spawned:
  a forked process hangs a pygls server), so the GIL stays with the diagnostics of the open
  documents.  Open documents are analysed file-locally at once and refreshed when the index
  has what their calls need.
- **Kept current**: an open document's summaries come from its own analysis after every
  change (the editor's text wins over the file on disk); ``didClose`` and
  ``workspace/didChangeWatchedFiles`` re-read a file from disk, or drop it.
- **Dependents refreshed**: when a module's summaries change, every open document whose last
  result looked up one of its functions is analysed again (``engine.project.still_valid``).

All state is changed on the event loop; analysis threads read ``project``, which is replaced,
never changed in place.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import nova_lsp
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.project import MAX_ROUNDS, ProjectView, still_valid
from nova_lsp.engine.runtime import tune_gc
from nova_lsp.files import ModuleNames, SourceError, discover, read_source
from nova_lsp.server.progress import create_progress

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer

log = logging.getLogger(__name__)

BATCH = 16
PROCESS_THRESHOLD = 64  # files; fewer are summarised on the server's own threads


def summarize_file(path: str, module: str, package: bool, config, project) -> tuple[dict, dict] | None:
    """(summaries, look-ups) of one file on disk, or None when it cannot be read."""
    try:
        text = read_source(Path(path), config.max_file_size)
    except SourceError:
        return None
    view = ProjectView(module, project or {}, package)
    analysis = analyze(Document(text, path), config.selection(path=path), project=view, summaries_only=True)
    return dict(analysis.summaries), dict(analysis.used)


def summarize_batch(items, project=None) -> list:
    """[(path, (summaries, used) or None)] for (path, module, package, config) items."""
    return [(path, summarize_file(path, module, package, config, project)) for path, module, package, config in items]


def _init_index_worker() -> None:
    tune_gc()


class WorkspaceIndex:
    def __init__(self) -> None:
        self.project: dict[str, dict] = {}  # module -> qualname -> rule -> facts (replaced on change)
        self.paths: dict[str, str] = {}  # module -> its file
        self._modules: dict[str, tuple[str, bool]] = {}  # file -> (module, package)
        self._used: dict[str, dict] = {}  # file -> the look-ups its summaries made
        self._names = ModuleNames()
        self.open: set[str] = set()  # files whose summaries come from the editor's text
        self.ready = False
        self.building: asyncio.Task | None = None
        self.generation = 0  # bumped whenever a summary changes
        self.wanted = False  # the settings' ``index`` when it was last (re)built
        self._pool: ProcessPoolExecutor | None = None
        self._jobs: set = set()

    # -- the tables ---------------------------------------------------------------------------

    def module_of(self, path: str | None) -> tuple[str, bool]:
        if not path:
            return "", False
        found = self._modules.get(path)
        if found is None:
            found = self._modules[path] = self._names.name(path)
        return found

    def view(self, path: str | None) -> ProjectView:
        module, package = self.module_of(path)
        return ProjectView(module, self.project, package, self.paths)

    def set(self, path: str, summaries, used=None) -> bool:
        """Record a file's summaries; whether anything changed."""
        module, _ = self.module_of(path)
        if not module:
            return False
        if used is not None:
            self._used[path] = used
        owner = self.paths.get(module)
        if owner is not None and owner != path:
            return False  # another file already answers for this module name
        old = self.project.get(module)
        new = dict(summaries or {})
        self.paths[module] = path
        if old == new:
            return False
        project = dict(self.project)
        project[module] = new
        self.project = project
        self.generation += 1
        return True

    def drop(self, path: str) -> bool:
        module, _ = self.module_of(path)
        self._used.pop(path, None)
        if not module or self.paths.get(module) != path:
            return False
        del self.paths[module]
        project = dict(self.project)
        project.pop(module, None)
        self.project = project
        self.generation += 1
        return True

    def clear(self) -> None:
        self.project = {}
        self.paths.clear()
        self._used.clear()
        self.ready = False
        self.generation += 1

    def stale_files(self) -> list[str]:
        """Files on disk whose summaries used other functions' facts that changed since."""
        return [
            path
            for path, used in self._used.items()
            if used and path not in self.open and not still_valid(used, self.project)
        ]

    # -- the executors ---------------------------------------------------------------------

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawned workers start a fresh interpreter in the server's working directory:
            # safe-path keeps a project's own modules from shadowing the standard library
            os.environ["PYTHONSAFEPATH"] = "1"
            # a spawned worker gets this process's sys.path, from which `python -m nova_lsp`
            # removed the working directory: when that is where nova_lsp lives (a checkout),
            # the worker must still find it (last, so it shadows nothing)
            home = os.path.dirname(os.path.dirname(os.path.abspath(nova_lsp.__file__)))
            if home not in sys.path:
                sys.path.append(home)
            workers = max(1, min(2, (os.cpu_count() or 2) - 1))
            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_index_worker
            )
        return self._pool

    def spawn(self, job) -> None:
        """Run an update in the background (kept referenced until it ends)."""
        task = asyncio.get_running_loop().create_task(job)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def close(self) -> None:
        for task in list(self._jobs):
            task.cancel()
        if self.building is not None:
            self.building.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


# -- building ------------------------------------------------------------------------------------


def start(ls: "NovaLanguageServer") -> None:
    """(Re)build the index in the background, if the settings want one."""
    index = ls.index
    if index.building is not None:
        index.building.cancel()
        index.building = None
    index.wanted = ls.session.settings.index
    if not index.wanted:
        index.clear()
    if not index.wanted or ls.shutdown_requested:
        return
    index.building = asyncio.get_running_loop().create_task(build(ls))


async def build(ls: "NovaLanguageServer") -> None:
    session = ls.session
    index = ls.index
    loop = asyncio.get_running_loop()
    progress = await create_progress(ls, "index", cancellable=False)
    progress.begin("nova-lsp: indexing the workspace")
    try:
        files: list[Path] = []
        for folder in list(session.workspace_folders):
            config = session.config_for(str(Path(folder) / "__init__.py"))
            try:
                found, _ = await loop.run_in_executor(
                    ls.executor, discover, [folder], config.excludes(), config.root or folder
                )
            except RuntimeError:  # the executor is shut down: so is the server
                return
            files.extend(found)
        items = []
        for path in files:
            name = str(path)
            if name in index.open:
                continue
            module, package = index.module_of(name)
            if not module:
                continue
            config = session.config_for(name)
            if session.is_excluded(name, config):
                continue
            items.append((name, module, package, config))
        use_processes = len(items) > PROCESS_THRESHOLD
        done = 0
        pending = items
        for _ in range(MAX_ROUNDS + 1):
            project = index.project if pending is not items else None
            batches = [pending[i : i + BATCH] for i in range(0, len(pending), BATCH)]
            for batch in batches:
                if ls.shutdown_requested:
                    return
                try:
                    if use_processes:
                        results = await asyncio.wrap_future(index.pool().submit(summarize_batch, batch, project))
                    else:
                        results = await loop.run_in_executor(ls.executor, summarize_batch, batch, project)
                except RuntimeError:
                    return
                except Exception as exc:  # noqa: BLE001 - a worker died: index without that batch
                    log.warning("indexing %d files failed: %s", len(batch), exc)
                    results = []
                for path, outcome in results:
                    if outcome is not None and path not in index.open:
                        index.set(path, *outcome)
                done += len(batch)
                progress.report(min(done, len(items)), len(items))
            stale = set(index.stale_files())
            pending = [item for item in items if item[0] in stale]
            if not pending:
                break
        index.ready = True
        progress.report(len(items), len(items), force=True)
        progress.end(f"{len(index.project)} modules indexed")
        refresh_dependents(ls)
    except asyncio.CancelledError:
        progress.end("cancelled")
        raise
    finally:
        if index.building is asyncio.current_task():
            index.building = None


def refresh_dependents(ls: "NovaLanguageServer", changed: str | None = None) -> None:
    """Analyse again every open document (but ``changed``) whose last result looked up a
    function whose facts are no longer what they were (a pull client is asked to pull again)."""
    touched = False
    for uri in list(ls.session.documents):
        result = ls.scheduler.result(uri)
        if result is None or uri == changed or not result.used:
            continue
        if not still_valid(result.used, ls.index.project):
            ls.session.touch(uri)
            ls.scheduler.schedule(uri, 0)
            touched = True
    if touched:
        ls.publisher.refresh()


def opened_result(ls: "NovaLanguageServer", uri: str, path: str | None, summaries) -> None:
    """An open document was analysed: its summaries are the editor's text's."""
    if not path or not ls.session.settings.index:
        return
    ls.index.open.add(path)
    if ls.index.set(path, summaries):
        refresh_dependents(ls, changed=uri)


async def reindex_from_disk(ls: "NovaLanguageServer", paths: list[str]) -> None:
    """Files closed in the editor or changed on disk: their summaries from disk again."""
    index = ls.index
    loop = asyncio.get_running_loop()
    changed = False
    for path in paths:
        index.open.discard(path)
        module, package = index.module_of(path)
        if not module:
            continue
        if not os.path.isfile(path):
            changed |= index.drop(path)
            continue
        config = ls.session.config_for(path)
        if ls.session.is_excluded(path, config):
            changed |= index.drop(path)
            continue
        try:
            ((_, outcome),) = await loop.run_in_executor(
                ls.executor, summarize_batch, [(path, module, package, config)], index.project
            )
        except RuntimeError:
            return
        if outcome is None:
            changed |= index.drop(path)
        else:
            changed |= index.set(path, *outcome)
    if changed:
        refresh_dependents(ls)
