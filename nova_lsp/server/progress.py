"""``$/progress`` for the server's long jobs (the workspace check, the workspace index):
reports at most every ``REPORT_INTERVAL_S``, and cancellation by the user."""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer

log = logging.getLogger(__name__)

REPORT_INTERVAL_S = 0.1


class Progress:
    def __init__(self, ls: "NovaLanguageServer", token, cancellable: bool = True) -> None:
        self.ls = ls
        self.token = token
        self.cancellable = cancellable
        self._last = 0.0

    def begin(self, title: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.begin(
                self.token, types.WorkDoneProgressBegin(title=title, cancellable=self.cancellable, percentage=0)
            )

    def report(self, done: int, total: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.token is None or (not force and now - self._last < REPORT_INTERVAL_S):
            return
        self._last = now
        percentage = int(done * 100 / total) if total else 100
        self.ls.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=f"{done}/{total} files", percentage=percentage)
        )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))

    @property
    def cancelled(self) -> bool:
        if self.token is None:
            return False
        future = self.ls.work_done_progress.tokens.get(self.token)
        return future is not None and future.cancelled()


async def create_progress(ls: "NovaLanguageServer", what: str, cancellable: bool = True) -> Progress:
    """A server-initiated progress (``window/workDoneProgress/create``), or a silent one when
    the client does not support them or refuses."""
    if not ls.session.features.work_done_progress:
        return Progress(ls, None, cancellable)
    token = f"nova-lsp/{what}/{uuid.uuid4()}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception as exc:  # noqa: BLE001 - work on, without progress
        log.warning("window/workDoneProgress/create failed: %s", exc)
        return Progress(ls, None, cancellable)
    return Progress(ls, token, cancellable)
