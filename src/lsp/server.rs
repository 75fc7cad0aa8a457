//! Language server: the main loop over stdin/stdout. Notifications about buffers (changes
//! synchronised incrementally: ranges replaced) update the
//! workspace and publish diagnostics; each request is answered by the module of its
//! feature. A request with bad parameters, or one whose handler fails, gets an error
//! response; the server goes on.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename, Request as _,
};
use lsp_types::{
    CompletionOptions, CompletionParams, CompletionResponse, Diagnostic,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DocumentFormattingParams, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, HoverParams, HoverProviderCapability, OneOf, PrepareRenameResponse,
    PublishDiagnosticsParams, ReferenceParams, RenameOptions, RenameParams, SaveOptions,
    ServerCapabilities, ServerInfo, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Url,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::analysis::Workspace;
use super::completion::{Vocabulary, complete};
use super::documents::file_path;
use super::position::LineIndex;
use super::target::Target;
use super::{definition, diagnostics, formatting, hover, rename, symbols};

/// Why the server stopped other than by `shutdown` and `exit`.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The client broke the protocol (e.g. no `initialize` first).
    #[error("the client broke the protocol: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    /// Standard input or output failed.
    #[error("standard input or output failed: {0}")]
    Io(#[from] std::io::Error),
    /// A message could not be sent: the output is closed.
    #[error("the connection to the client is closed")]
    Closed,
    /// The capabilities could not be serialised.
    #[error("the server's capabilities could not be written: {0}")]
    Json(#[from] serde_json::Error),
}

/// Serves one client over stdin and stdout until it asks the server to exit.
pub fn run_stdio() -> Result<(), ServerError> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

/// Serves one client over a connection: the `initialize` handshake, then the main loop.
pub fn serve(connection: &Connection) -> Result<(), ServerError> {
    let initialize = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "seg".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        },
    });
    let (id, _params) = connection.initialize_start()?;
    connection.initialize_finish(id, initialize)?;
    let mut server = Server::default();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                send(connection, server.answer(request))?;
            }
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    return Ok(());
                }
                // A panic while analysing (a bug) loses this update, not the server.
                let noticed = catch_unwind(AssertUnwindSafe(|| server.notice(notification)));
                if noticed.unwrap_or(false) {
                    for publish in server.diagnostics_to_publish() {
                        send(connection, publish)?;
                    }
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// Sends a message to the client.
fn send(connection: &Connection, message: impl Into<Message>) -> Result<(), ServerError> {
    connection
        .sender
        .send(message.into())
        .map_err(|_| ServerError::Closed)
}

/// What the server offers: full text synchronisation and the features of this module.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "(".into(), ",".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        ..ServerCapabilities::default()
    }
}

/// A request that failed: the error response's code and message.
struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    fn new(code: ErrorCode, message: impl ToString) -> Failure {
        Failure {
            code,
            message: message.to_string(),
        }
    }
}

/// The state of the server between messages.
#[derive(Default)]
struct Server {
    workspace: Workspace,
    /// The diagnostics last sent for each URI.
    published: BTreeMap<Url, Vec<Diagnostic>>,
    /// The buffer the latest notification opened or changed: its diagnostics are sent
    /// even when they did not change, so the editor knows they are of its new version.
    touched: Option<Url>,
}

impl Server {
    /// Updates the workspace from a notification; `true` when diagnostics may have changed.
    /// An edit re-analyses the programs of the edited file; a save or a change on disk,
    /// which may concern any file, all of them.
    fn notice(&mut self, notification: Notification) -> bool {
        let edited = match notification.method.as_str() {
            DidOpenTextDocument::METHOD => parse::<DidOpenTextDocumentParams>(notification.params)
                .map(|p| {
                    let document = p.text_document;
                    self.touched = Some(document.uri.clone());
                    self.workspace
                        .open(document.uri, document.version, document.text)
                }),
            DidChangeTextDocument::METHOD => {
                parse::<DidChangeTextDocumentParams>(notification.params).map(|p| {
                    let document = p.text_document;
                    self.touched = Some(document.uri.clone());
                    self.workspace
                        .change(document.uri, document.version, p.content_changes)
                })
            }
            DidCloseTextDocument::METHOD => {
                parse::<DidCloseTextDocumentParams>(notification.params)
                    .map(|p| self.workspace.close(&p.text_document.uri))
            }
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => Ok(None),
            _ => return false,
        };
        match edited {
            Ok(Some(path)) => self.workspace.reanalyze(&path),
            Ok(None) => self.workspace.analyze(),
            Err(failure) => {
                eprintln!(
                    "seg lsp: ignored {}: {}",
                    notification.method, failure.message
                );
                return false;
            }
        }
        true
    }

    /// The diagnostics that differ from those last sent.
    fn diagnostics_to_publish(&mut self) -> Vec<Notification> {
        let mut current = diagnostics::by_file(self.workspace.analyses());
        for uri in self.published.keys() {
            current.entry(uri.clone()).or_default();
        }
        let touched = self.touched.take();
        let mut notifications = Vec::new();
        for (uri, diagnostics) in current {
            let unchanged = self.published.get(&uri) == Some(&diagnostics)
                || (diagnostics.is_empty() && !self.published.contains_key(&uri));
            if unchanged && touched.as_ref() != Some(&uri) {
                continue;
            }
            let version = file_path(&uri)
                .and_then(|path| self.workspace.documents().get(&path).map(|d| d.version));
            let params = PublishDiagnosticsParams::new(uri.clone(), diagnostics.clone(), version);
            notifications.push(Notification::new(PublishDiagnostics::METHOD.into(), params));
            if diagnostics.is_empty() {
                self.published.remove(&uri);
            } else {
                self.published.insert(uri, diagnostics);
            }
        }
        notifications
    }

    /// The response to a request; a panic in a handler becomes an internal error.
    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let answered = catch_unwind(AssertUnwindSafe(|| self.dispatch(request)));
        match answered {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(failure)) => Response::new_err(id, failure.code as i32, failure.message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                "the request failed inside seg lsp (a bug; see its standard error)".into(),
            ),
        }
    }

    fn dispatch(&mut self, request: Request) -> Result<serde_json::Value, Failure> {
        let params = request.params;
        match request.method.as_str() {
            HoverRequest::METHOD => reply(self.hover(parse(params)?)),
            GotoDefinition::METHOD => reply(self.definition(parse(params)?)),
            References::METHOD => reply(self.references(parse(params)?)),
            Completion::METHOD => reply(self.completion(parse(params)?)),
            DocumentSymbolRequest::METHOD => reply(self.symbols(parse(params)?)),
            Formatting::METHOD => reply(self.format(parse(params)?)?),
            PrepareRenameRequest::METHOD => reply(self.prepare_rename(parse(params)?)?),
            Rename::METHOD => reply(self.rename(parse(params)?)?),
            method => Err(Failure::new(
                ErrorCode::MethodNotFound,
                format!("seg lsp does not handle `{method}`"),
            )),
        }
    }

    fn hover(&self, params: HoverParams) -> Option<lsp_types::Hover> {
        let position = params.text_document_position_params;
        let path = file_path(&position.text_document.uri)?;
        hover::hover(&Target::at(&self.workspace, &path, position.position)?)
    }

    fn definition(&self, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let position = params.text_document_position_params;
        let path = file_path(&position.text_document.uri)?;
        let target = Target::at(&self.workspace, &path, position.position)?;
        definition::definition(&target).map(GotoDefinitionResponse::Scalar)
    }

    fn references(&self, params: ReferenceParams) -> Option<Vec<lsp_types::Location>> {
        let position = params.text_document_position;
        let path = file_path(&position.text_document.uri)?;
        let targets = Target::all(&self.workspace, &path, position.position);
        let include_declaration = params.context.include_declaration;
        Some(definition::references(&targets, include_declaration))
    }

    fn completion(&self, params: CompletionParams) -> Option<CompletionResponse> {
        let position = params.text_document_position;
        let path = file_path(&position.text_document.uri)?;
        let text = &self.workspace.documents().get(&path)?.text;
        let offset = LineIndex::new(text).offset(text, position.position);
        let vocabulary = match self.workspace.snapshot_of(&path) {
            Some(snapshot) => Vocabulary::new(&snapshot.program, snapshot.hir.as_ref()),
            None => Vocabulary::default(),
        };
        Some(CompletionResponse::Array(complete(
            &vocabulary,
            &text[..offset],
        )))
    }

    fn symbols(&mut self, params: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let path = file_path(&params.text_document.uri)?;
        let (module, text) = self.workspace.module_of(&path)?;
        let symbols = symbols::document_symbols(&module, &text);
        Some(DocumentSymbolResponse::Nested(symbols))
    }

    fn format(
        &self,
        params: DocumentFormattingParams,
    ) -> Result<Option<Vec<lsp_types::TextEdit>>, Failure> {
        let Some(path) = file_path(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(document) = self.workspace.documents().get(&path) else {
            return Ok(None);
        };
        formatting::format(&document.text)
            .map(Some)
            .map_err(|error| Failure::new(ErrorCode::RequestFailed, format!("seg fmt: {error}")))
    }

    fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>, Failure> {
        let Some(path) = file_path(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(target) = Target::at(&self.workspace, &path, params.position) else {
            return Err(Failure::new(
                ErrorCode::RequestFailed,
                "the file does not parse: fix it before renaming",
            ));
        };
        rename::prepare(&target)
            .map(|range| Some(PrepareRenameResponse::Range(range)))
            .map_err(|error| Failure::new(ErrorCode::RequestFailed, error))
    }

    fn rename(&self, params: RenameParams) -> Result<Option<lsp_types::WorkspaceEdit>, Failure> {
        let position = params.text_document_position;
        let Some(path) = file_path(&position.text_document.uri) else {
            return Ok(None);
        };
        let targets = Target::all(&self.workspace, &path, position.position);
        if targets.is_empty() {
            return Err(Failure::new(
                ErrorCode::RequestFailed,
                "the file does not parse: fix it before renaming",
            ));
        }
        rename::rename(&targets, &params.new_name)
            .map(Some)
            .map_err(|error| Failure::new(ErrorCode::RequestFailed, error))
    }
}

/// The parameters of a message, or an invalid-parameters failure.
fn parse<P: DeserializeOwned>(params: serde_json::Value) -> Result<P, Failure> {
    serde_json::from_value(params).map_err(|error| {
        Failure::new(
            ErrorCode::InvalidParams,
            format!("invalid parameters: {error}"),
        )
    })
}

/// A result as the JSON of a response.
fn reply<R: Serialize>(result: R) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(result).map_err(|error| Failure::new(ErrorCode::InternalError, error))
}
