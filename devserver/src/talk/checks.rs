//! Metadata checks through the browser package's own code (`talk_uploader::formats`), so the
//! devserver and the page can never disagree on a rule.

use talk_uploader::formats::speechsense::{self as shared, ConnectionKind};
use talk_uploader::validate::Issue;
use tonic::Status;

use crate::proto::speechsense::TalkMetadata;

/// How many issues one status message lists.
const MAX_LISTED: usize = 5;

/// `INVALID_ARGUMENT` listing the issues (path and message), or `Ok` when there are none.
fn to_status(what: &str, issues: &[Issue]) -> Result<(), Status> {
    if issues.is_empty() {
        return Ok(());
    }
    let mut msg = format!("{what} ({} problem{}): ", issues.len(), if issues.len() == 1 { "" } else { "s" });
    let listed: Vec<String> = issues.iter().take(MAX_LISTED).map(|i| format!("{}: {}", i.path, i.message)).collect();
    msg.push_str(&listed.join("; "));
    if issues.len() > MAX_LISTED {
        msg.push_str(&format!("; and {} more", issues.len() - MAX_LISTED));
    }
    Err(Status::invalid_argument(msg))
}

/// Checks `TalkMetadata.fields` against the connection's kind.
pub fn metadata(kind: ConnectionKind, md: &TalkMetadata) -> Result<(), Status> {
    let issues = shared::check_metadata_map(md.fields.iter(), kind, &[]);
    to_status("`metadata.fields` is invalid for this connection", &issues)
}

/// Checks that each chat message's `user_id` is one of the metadata's ids.
pub fn chat_users<'a>(md: &TalkMetadata, user_ids: impl IntoIterator<Item = &'a str>) -> Result<(), Status> {
    let issues = shared::check_user_ids(user_ids, md.fields.iter());
    to_status("`text_content.messages` name unknown users", &issues)
}
