"""Session state, changed only on the event loop: open documents, settings, client features.

Open documents are immutable snapshots (``OpenDocument``) replaced on every change, so the
analysis thread can be handed one without copying or locking.  The server keeps its own text
store instead of pygls' workspace documents: changes are applied with the same line splitting
and column conversions the engine uses, and a ``didChange`` for a document that was never
opened is ignored instead of failing.

Configuration of a document = ``[tool.nova-lsp]`` of its nearest ``pyproject.toml`` (as the
CLI reads it) overlaid with the editor's settings.  ``generation`` counts configuration
changes; an analysis started under an older generation is never published.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Any, Callable

from pygls.uris import to_fs_path

from nova_lsp.config import Config, ConfigError, discover_config, forget_discovered_configs
from nova_lsp.core.document import Document, LineTable
from nova_lsp.engine.incremental import IncrementalAnalyzer
from nova_lsp.engine.project import ProjectView
from nova_lsp.server import settings as settings_mod
from nova_lsp.server.capabilities import ClientFeatures
from nova_lsp.server.convert import ConvertOptions

log = logging.getLogger(__name__)

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class OpenDocument:
    uri: str
    text: str
    version: int | None
    language_id: str = "python"
    path: str | None = None  # file-system path, None for untitled/virtual documents
    # the server's own count of texts it has held: unlike the client's version it increases
    # with every open and change whatever the client sends, so results keyed by it never
    # describe another text
    revision: int = 0

    @property
    def is_python(self) -> bool:
        if self.language_id == "python":
            return True
        return (self.path or self.uri).endswith(PYTHON_SUFFIXES)

    def document(self) -> Document:
        return Document(self.text, self.path or self.uri, self.version)


def uri_to_path(uri: str) -> str | None:
    if not uri.startswith("file:"):
        return None
    try:
        return to_fs_path(uri)
    except Exception:  # a malformed URI is not a file we can find a config for
        return None


@dataclass(frozen=True)
class Snapshot:
    """Everything one analysis needs; handed to a worker thread."""

    uri: str
    path: str
    version: int | None
    text: str
    config: Config
    generation: int
    options: ConvertOptions
    revision: int = 0
    # the document's incremental analyser (it keeps the previous version's results)
    analyzer: IncrementalAnalyzer | None = field(default=None, compare=False, repr=False)
    # its module, and what the rest of the workspace's functions do (the workspace index)
    project: ProjectView | None = field(default=None, compare=False, repr=False)
    file: str | None = None  # the file-system path (None: an untitled document)

    @property
    def key(self) -> tuple[int, int]:
        return (self.revision, self.generation)


@dataclass
class Session:
    features: ClientFeatures = field(default_factory=ClientFeatures)
    encoding: str = "utf-16"
    documents: dict[str, OpenDocument] = field(default_factory=dict)
    workspace_folders: list[str] = field(default_factory=list)  # file-system paths
    settings: settings_mod.ServerSettings = field(default_factory=settings_mod.ServerSettings)
    generation: int = 0
    report_problem: Callable[[str], None] = lambda message: None
    _layers: dict[str, dict[str, Any]] = field(default_factory=lambda: {"initializationOptions": {}, "configuration": {}})
    # the client answered workspace/configuration (or pushed settings) with an object
    _configuration_answered: bool = False
    _project_configs: dict[str, Config] = field(default_factory=dict)
    _effective: dict[str, Config] = field(default_factory=dict)
    _analyzers: dict[str, IncrementalAnalyzer] = field(default_factory=dict)
    _tables: dict[str, LineTable] = field(default_factory=dict)  # open texts as lines (didChange)
    # the workspace index's view for a path (set by the server; None: file-local analysis)
    project_for: Callable[[str | None], ProjectView | None] = lambda path: None
    _revisions: int = 0

    # -- documents -----------------------------------------------------------------------

    def open(self, uri: str, text: str, version: int | None, language_id: str) -> OpenDocument:
        self._revisions += 1
        doc = OpenDocument(uri, text, version, language_id or "", uri_to_path(uri), self._revisions)
        self.documents[uri] = doc
        self._analyzers[uri] = IncrementalAnalyzer()
        self._tables.pop(uri, None)
        return doc

    def change(self, uri: str, version: int | None, changes) -> OpenDocument | None:
        """Apply a ``didChange``'s content changes.  They go to the document's line table, so
        each costs the lines it touches (not the whole text), and the text is joined once."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        table = self._tables.get(uri)
        if table is None:
            table = self._tables[uri] = LineTable(doc.text)
        for change in changes:
            rng = getattr(change, "range", None)
            if rng is None:
                table = self._tables[uri] = LineTable(change.text)
            else:
                start = (rng.start.line, rng.start.character)
                end = (rng.end.line, rng.end.character)
                table.apply(start, end, change.text, self.encoding)
        self._revisions += 1
        doc = replace(doc, text=table.text(), version=version, revision=self._revisions)
        self.documents[uri] = doc
        return doc

    def touch(self, uri: str) -> None:
        """The text is the same but what it is analysed against changed (a function it calls
        in another file): give it a new revision, so no result of the old one is served."""
        doc = self.documents.get(uri)
        if doc is not None:
            self._revisions += 1
            self.documents[uri] = replace(doc, revision=self._revisions)

    def close(self, uri: str) -> OpenDocument | None:
        self._analyzers.pop(uri, None)
        self._tables.pop(uri, None)
        return self.documents.pop(uri, None)

    # -- settings ------------------------------------------------------------------------

    def set_layer(self, name: str, raw: Any) -> list[str]:
        """Replace one settings layer; returns the problems of the merged settings."""
        self._layers[name] = settings_mod.unwrap(raw)
        if name == "configuration":
            self._configuration_answered = isinstance(raw, Mapping)
        layers = list(self._layers.values())
        if self._configuration_answered:
            # the client's current settings are complete: a key the user removed must stop
            # applying, so initializationOptions (a snapshot from start-up) no longer count
            layers = [self._layers["configuration"]]
        merged = settings_mod.merge(*layers)
        resolved, problems = settings_mod.resolve(merged)
        unknown = settings_mod.unknown_keys(merged)
        if unknown:
            log.info("ignoring editor settings nova-lsp does not use: %s", ", ".join(unknown))
        self.settings = resolved
        self.invalidate_config()
        return problems

    def invalidate_config(self) -> None:
        """Forget every resolved configuration (settings or a pyproject.toml changed)."""
        self.generation += 1
        self._project_configs.clear()
        self._effective.clear()
        forget_discovered_configs()

    def _project_config(self, directory: str) -> Config:
        config = self._project_configs.get(directory)
        if config is None:
            try:
                config = discover_config(Path(directory), default_root=directory)
            except ConfigError as exc:
                self.report_problem(f"{exc}; using the default configuration")
                config = Config(root=directory)
            except OSError as exc:
                self.report_problem(f"cannot read the configuration for {directory}: {exc}")
                config = Config(root=directory)
            self._project_configs[directory] = config
        return config

    def folder_of(self, file: Path) -> Path | None:
        """The innermost workspace folder containing ``file``."""
        best = None
        for folder in self.workspace_folders:
            candidate = Path(folder)
            if file.is_relative_to(candidate) and (best is None or len(candidate.parts) > len(best.parts)):
                best = candidate
        return best

    def directory_for(self, path: str | None) -> str | None:
        if path:
            return str(Path(path).parent)
        return self.workspace_folders[0] if self.workspace_folders else None

    def config_for(self, path: str | None) -> Config:
        directory = self.directory_for(path)
        key = directory or ""
        config = self._effective.get(key)
        if config is None:
            base = self._project_config(directory) if directory else Config()
            if base.source is None and path:
                # no configuration file: globs are relative to the workspace folder, as the
                # CLI's are to the directory it runs in (a check from the project's root)
                folder = self.folder_of(Path(path))
                if folder is not None:
                    base = replace(base, root=str(folder))
            config, problem = settings_mod.overlay(base, self.settings)
            if problem:
                self.report_problem(f"editor settings: {problem}; using {base.source or 'the defaults'}")
            self._effective[key] = config
        return config

    def convert_options(self, config: Config) -> ConvertOptions:
        return ConvertOptions(
            encoding=self.encoding,
            related_information=self.features.related_information,
            unnecessary_tag=self.features.unnecessary_tag,
            data=self.features.diagnostic_data,
            docs_url=config.docs_url,
        )

    # -- what gets analysed ----------------------------------------------------------------

    def is_excluded(self, path: str | None, config: Config) -> bool:
        """The configuration's own notion of excluded, as the CLI and pre-commit apply it."""
        if not path:
            return False
        return config.is_excluded(path)

    def snapshot(self, uri: str) -> Snapshot | None:
        """What to analyse for ``uri`` now, or None when it must not be analysed."""
        doc = self.documents.get(uri)
        if doc is None or not self.settings.enable or not doc.is_python:
            return None
        config = self.config_for(doc.path)
        if self.is_excluded(doc.path, config):
            return None
        return Snapshot(
            uri=uri,
            path=doc.path or uri,
            version=doc.version,
            text=doc.text,
            config=config,
            generation=self.generation,
            options=self.convert_options(config),
            analyzer=self._analyzers.get(uri),
            revision=doc.revision,
            project=self.project_for(doc.path) if self.settings.index else None,
            file=doc.path,
        )
