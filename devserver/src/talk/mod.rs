//! `yandex.cloud.speechsense.v1.TalkService`, served to gRPC and grpc-web clients alike.
//!
//! - [`text`]: `UploadText` (chats).
//! - [`upload`]: `Upload`, the unary audio upload (< 128 MB in one message).
//! - [`stream`]: the client-stream protocol shared by `UploadAsStream` and `UploadBadge`:
//!   message 1 `metadata`, message 2 `audio.audio_metadata`, then `audio.chunk`s.
//! - [`badge`]: the finished `Operation` that `UploadBadge` answers with.
//! - [`audio`]: the audio sink (temp file + sha256 + header buffer) and the audio checks.
//! - [`checks`]: metadata checks, through the browser package's own validation code.
//!
//! Every handler authenticates before it reads the request; on any error it returns at once
//! and [`crate::drain`] reads the rest of the body before the status goes out. Audio is
//! written to `data-dir/tmp` while it streams in and renamed into `data-dir/audio` only when
//! the talk row is inserted, so a failed or cut upload leaves neither a talk nor a file.

pub mod audio;
pub mod badge;
pub mod checks;
pub mod stream;
pub mod text;
pub mod update;
pub mod upload;

use std::sync::Arc;

use tonic::{Request, Response, Status, Streaming};

use crate::auth::{self, Schemes};
use crate::config::ConnectionKind;
use crate::proto::speechsense::{
    talk_service_server::TalkService, StreamTalkRequest, TalkMetadata, UploadTalkRequest, UploadTalkResponse,
    UploadTextRequest, UploadTextResponse, UserRole,
};
use crate::proto::yandex::cloud::operation::Operation;
use crate::store::StoredUser;
use crate::AppState;

pub use text::rfc3339;

/// The service implementation; cheap to clone.
#[derive(Clone)]
pub struct TalkServiceImpl {
    state: Arc<AppState>,
}

impl TalkServiceImpl {
    /// A service over the shared server state.
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    /// `UNAUTHENTICATED` unless `authorization` holds a configured `Api-Key` or `Bearer` token.
    fn authenticate<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let header = req.metadata().get("authorization").and_then(|v| v.to_str().ok());
        auth::check(&self.state.config, header, Schemes::SpeechSense).map_err(|e| Status::unauthenticated(e.to_string()))
    }

    /// Looks up the connection named in the metadata: `NOT_FOUND` for an unknown id.
    fn connection(&self, metadata: Option<&TalkMetadata>) -> Result<(String, ConnectionKind), Status> {
        let md = metadata.ok_or_else(|| Status::invalid_argument("`metadata` is missing"))?;
        if md.connection_id.is_empty() {
            return Err(Status::invalid_argument("`metadata.connection_id` is empty"));
        }
        let kind = self
            .state
            .config
            .connections
            .get(&md.connection_id)
            .copied()
            .ok_or_else(|| Status::not_found(format!("connection `{}` does not exist", md.connection_id)))?;
        Ok((md.connection_id.clone(), kind))
    }

    /// Looks up an audio connection and checks the metadata against its kind.
    fn audio_connection(&self, md: &TalkMetadata, method: &str) -> Result<(String, ConnectionKind), Status> {
        let (id, kind) = self.connection(Some(md))?;
        if kind == ConnectionKind::Chat {
            return Err(Status::invalid_argument(format!(
                "connection `{id}` is of kind chat; {method} needs an audio connection (use UploadText for chats)"
            )));
        }
        checks::metadata(kind, md)?;
        Ok((id, kind))
    }
}

/// `TalkMetadata.users` as stored.
pub(crate) fn users_of(md: &TalkMetadata) -> Vec<StoredUser> {
    md.users
        .iter()
        .map(|u| StoredUser {
            id: u.id.clone(),
            role: UserRole::try_from(u.role)
                .map(|r| r.as_str_name().to_owned())
                .unwrap_or_else(|_| format!("UNKNOWN_{}", u.role)),
            fields: u.fields.clone(),
        })
        .collect()
}

/// Logs a storage failure (never with request data) and hides it from the client.
pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> Status {
    crate::log::emit(&serde_json::json!({ "event": "store_error", "what": what, "error": e.to_string() }));
    Status::internal(format!("could not {what}"))
}

#[tonic::async_trait]
impl TalkService for TalkServiceImpl {
    async fn upload_as_stream(
        &self,
        request: Request<Streaming<StreamTalkRequest>>,
    ) -> Result<Response<UploadTalkResponse>, Status> {
        self.authenticate(&request)?;
        let talk_id = stream::receive(self, request.into_inner(), stream::Method::UploadAsStream).await?;
        Ok(Response::new(UploadTalkResponse { talk_id }))
    }

    async fn upload(&self, request: Request<UploadTalkRequest>) -> Result<Response<UploadTalkResponse>, Status> {
        self.authenticate(&request)?;
        let talk_id = upload::handle(self, request.into_inner()).await?;
        Ok(Response::new(UploadTalkResponse { talk_id }))
    }

    async fn upload_text(&self, request: Request<UploadTextRequest>) -> Result<Response<UploadTextResponse>, Status> {
        self.authenticate(&request)?;
        let talk_id = text::handle(self, request.into_inner()).await?;
        Ok(Response::new(UploadTextResponse { talk_id }))
    }

    async fn upload_badge(&self, request: Request<Streaming<StreamTalkRequest>>) -> Result<Response<Operation>, Status> {
        self.authenticate(&request)?;
        let talk_id = stream::receive(self, request.into_inner(), stream::Method::UploadBadge).await?;
        Ok(Response::new(badge::finished_operation(&talk_id)))
    }
}
