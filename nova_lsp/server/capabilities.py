"""What the client can do, read once from its ``initialize`` request into plain booleans.

Nothing else in the server looks at ``ClientCapabilities``: handlers ask ``ClientFeatures``
(as ruff's ``session/capabilities.rs`` does), so every capability decision is in one place
and is easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsprotocol import types

ENCODINGS = ("utf-8", "utf-16", "utf-32")


def _get(obj: Any, path: str, default: Any = None) -> Any:
    """``obj.a.b.c`` for ``path="a.b.c"``, ``default`` when any step is missing or None."""
    for name in path.split("."):
        obj = getattr(obj, name, None)
        if obj is None:
            return default
    return obj


def _tag_support(caps: types.ClientCapabilities) -> bool:
    for path in ("text_document.publish_diagnostics.tag_support", "text_document.diagnostic.tag_support"):
        tags = _get(caps, path)
        if tags is not None and types.DiagnosticTag.Unnecessary in (tags.value_set or ()):
            return True
    return False


@dataclass(frozen=True)
class ClientFeatures:
    pull_diagnostics: bool = False
    diagnostic_refresh: bool = False
    related_information: bool = False
    unnecessary_tag: bool = False
    diagnostic_data: bool = False
    code_action_literals: bool = False
    code_action_preferred: bool = False
    code_action_resolve_edit: bool = False
    document_changes: bool = False
    hover_markdown: bool = False
    configuration: bool = False
    configuration_dynamic: bool = False
    watched_files_dynamic: bool = False
    work_done_progress: bool = False

    @classmethod
    def from_capabilities(cls, caps: types.ClientCapabilities | None) -> "ClientFeatures":
        if caps is None:
            return cls()
        resolve_props = _get(caps, "text_document.code_action.resolve_support.properties", ()) or ()
        hover_formats = _get(caps, "text_document.hover.content_format", ()) or ()
        return cls(
            pull_diagnostics=_get(caps, "text_document.diagnostic") is not None,
            diagnostic_refresh=bool(_get(caps, "workspace.diagnostics.refresh_support", False)),
            related_information=bool(
                _get(caps, "text_document.publish_diagnostics.related_information", False)
                or _get(caps, "text_document.diagnostic.related_information", False)
            ),
            unnecessary_tag=_tag_support(caps),
            diagnostic_data=bool(
                _get(caps, "text_document.publish_diagnostics.data_support", False)
                or _get(caps, "text_document.diagnostic.data_support", False)
            ),
            code_action_literals=_get(caps, "text_document.code_action.code_action_literal_support") is not None,
            code_action_preferred=bool(_get(caps, "text_document.code_action.is_preferred_support", False)),
            code_action_resolve_edit="edit" in resolve_props,
            document_changes=bool(_get(caps, "workspace.workspace_edit.document_changes", False)),
            hover_markdown=types.MarkupKind.Markdown in hover_formats,
            configuration=bool(_get(caps, "workspace.configuration", False)),
            configuration_dynamic=bool(_get(caps, "workspace.did_change_configuration.dynamic_registration", False)),
            watched_files_dynamic=bool(_get(caps, "workspace.did_change_watched_files.dynamic_registration", False)),
            work_done_progress=bool(_get(caps, "window.work_done_progress", False)),
        )


def encoding_name(kind: Any) -> str:
    """The negotiated ``PositionEncodingKind`` as "utf-8" / "utf-16" / "utf-32"."""
    value = getattr(kind, "value", kind)
    return value if value in ENCODINGS else "utf-16"
