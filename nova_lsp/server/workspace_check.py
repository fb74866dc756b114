"""The ``nova-lsp.checkWorkspace`` command (``workspace/executeCommand``): analyse every Python
file of the workspace folders, report ``$/progress``, and push the results.

Files open in the editor are skipped: their live diagnostics (for the unsaved text) win.
Files are read and analysed on the analysis threads, one at a time, so live analysis of the
document being edited keeps getting its turn.  The command answers with a summary
``{"files": n, "findings": n, "problems": [...], "cancelled": bool}``.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
from nova_lsp.files import SourceError, discover, read_source
from nova_lsp.server import convert
from nova_lsp.server.progress import create_progress

log = logging.getLogger(__name__)

COMMAND = "nova-lsp.checkWorkspace"


def _check_file(path: Path, uri: str, config, options: convert.ConvertOptions):
    text = read_source(path, config.max_file_size)
    document = Document(text, str(path), None)
    analysis = analyze(document, config.selection(path=path))
    return [convert.diagnostic(f, document, uri, options) for f in analysis.findings]


async def check_workspace(ls, *args) -> dict:
    # `ls` is deliberately unannotated: pygls evaluates the handler's type hints when a client
    # sends `arguments`, and the server class is only importable here under TYPE_CHECKING.
    session = ls.session
    loop = asyncio.get_running_loop()
    folders = list(session.workspace_folders)
    progress = await create_progress(ls, "checkWorkspace")
    progress.begin("nova-lsp: checking the workspace")

    problems: list[str] = []
    files: list[Path] = []
    for folder in folders:
        config = session.config_for(str(Path(folder) / "__init__.py"))
        try:
            found, found_problems = await loop.run_in_executor(
                ls.executor, discover, [folder], config.excludes(), config.root or folder
            )
        except RuntimeError:  # executor shut down: the server is shutting down
            break
        files.extend(found)
        problems.extend(f"{p.path}: {p.message}" for p in found_problems)

    checked = findings = 0
    cancelled = False
    for index, path in enumerate(files):
        if progress.cancelled or ls.shutdown_requested:
            cancelled = True
            break
        progress.report(index, len(files))
        uri = from_fs_path(str(path))
        if uri is None or uri in session.documents:
            continue
        config = session.config_for(str(path))
        if not session.settings.enable or session.is_excluded(str(path), config):
            continue
        options = session.convert_options(config)
        try:
            diagnostics = await loop.run_in_executor(ls.executor, _check_file, path, uri, config, options)
        except SourceError as exc:
            problems.append(f"{path}: {exc}")
            continue
        except RuntimeError:
            cancelled = True
            break
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the check
            log.exception("workspace check of %s failed", path)
            problems.append(f"{path}: internal error: {type(exc).__name__}: {exc}")
            continue
        checked += 1
        findings += len(diagnostics)
        if uri in session.documents:
            continue  # opened while it was being checked
        if diagnostics or uri in ls.publisher.pushed_by_check:
            ls.publisher.publish(uri, None, diagnostics)
        if diagnostics:
            ls.publisher.pushed_by_check.add(uri)
        else:
            ls.publisher.pushed_by_check.discard(uri)

    progress.report(len(files), len(files), force=True)
    summary = f"{checked} files checked, {findings} findings" + (" (cancelled)" if cancelled else "")
    progress.end(summary)
    for problem in problems:
        ls.log(f"nova-lsp: {problem}", types.MessageType.Warning)
    return {"files": checked, "findings": findings, "problems": problems, "cancelled": cancelled}
