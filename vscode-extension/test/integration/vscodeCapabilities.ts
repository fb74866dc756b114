/**
 * The client capabilities VS Code sends through vscode-languageclient 9 (the version this
 * extension bundles), trimmed to what a Python linter's server can look at.  Taken from the
 * `fillClientCapabilities` methods of vscode-languageclient/lib/common/*.js.
 */

import {
    ClientCapabilities,
    CodeActionKind,
    CompletionItemKind,
    DiagnosticTag,
    FailureHandlingKind,
    MarkupKind,
    ResourceOperationKind,
    SymbolKind,
} from 'vscode-languageserver-protocol/node';

export const VSCODE_CLIENT_INFO = { name: 'Visual Studio Code', version: '1.100.3' };

export const VSCODE_CAPABILITIES: ClientCapabilities = {
    workspace: {
        applyEdit: true,
        workspaceEdit: {
            documentChanges: true,
            resourceOperations: [ResourceOperationKind.Create, ResourceOperationKind.Rename, ResourceOperationKind.Delete],
            failureHandling: FailureHandlingKind.TextOnlyTransactional,
            normalizesLineEndings: true,
            changeAnnotationSupport: { groupsOnLabel: true },
        },
        configuration: true,
        didChangeConfiguration: { dynamicRegistration: true },
        didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
        symbol: { dynamicRegistration: true, symbolKind: { valueSet: [SymbolKind.File, SymbolKind.Class, SymbolKind.Function] } },
        executeCommand: { dynamicRegistration: true },
        workspaceFolders: true,
        semanticTokens: { refreshSupport: true },
        codeLens: { refreshSupport: true },
        inlineValue: { refreshSupport: true },
        inlayHint: { refreshSupport: true },
        diagnostics: { refreshSupport: true },
        fileOperations: {
            dynamicRegistration: true,
            didCreate: true,
            didRename: true,
            didDelete: true,
            willCreate: true,
            willRename: true,
            willDelete: true,
        },
    },
    textDocument: {
        publishDiagnostics: {
            relatedInformation: true,
            versionSupport: false,
            tagSupport: { valueSet: [DiagnosticTag.Unnecessary, DiagnosticTag.Deprecated] },
            codeDescriptionSupport: true,
            dataSupport: true,
        },
        synchronization: { dynamicRegistration: true, willSave: true, willSaveWaitUntil: true, didSave: true },
        completion: {
            dynamicRegistration: true,
            contextSupport: true,
            completionItem: { snippetSupport: true, documentationFormat: [MarkupKind.Markdown, MarkupKind.PlainText] },
            completionItemKind: { valueSet: [CompletionItemKind.Text, CompletionItemKind.Method, CompletionItemKind.Function] },
        },
        hover: { dynamicRegistration: true, contentFormat: [MarkupKind.Markdown, MarkupKind.PlainText] },
        codeAction: {
            dynamicRegistration: true,
            isPreferredSupport: true,
            disabledSupport: true,
            dataSupport: true,
            resolveSupport: { properties: ['edit'] },
            codeActionLiteralSupport: {
                codeActionKind: {
                    valueSet: [
                        CodeActionKind.Empty,
                        CodeActionKind.QuickFix,
                        CodeActionKind.Refactor,
                        CodeActionKind.RefactorExtract,
                        CodeActionKind.RefactorInline,
                        CodeActionKind.RefactorRewrite,
                        CodeActionKind.Source,
                        CodeActionKind.SourceOrganizeImports,
                    ],
                },
            },
            honorsChangeAnnotations: true,
        },
        diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
    },
    window: {
        showMessage: { messageActionItem: { additionalPropertiesSupport: true } },
        showDocument: { support: true },
        workDoneProgress: true,
    },
    general: {
        staleRequestSupport: {
            cancel: true,
            retryOnContentModified: [
                'textDocument/semanticTokens/full',
                'textDocument/semanticTokens/range',
                'textDocument/semanticTokens/full/delta',
            ],
        },
        regularExpressions: { engine: 'ECMAScript', version: 'ES2020' },
        markdown: { parser: 'marked', version: '1.1.0' },
        positionEncodings: ['utf-16'],
    },
};
