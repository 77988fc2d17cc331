//! The options of every entry point, one table each: the only place an option name is written
//! in Rust. The option reader ([`super::Opts`]) refuses a key outside its table and
//! reads only keys inside it, and `tests/option_tables.rs` checks each table against the
//! TypeScript type the `.d.ts` declares for it (same keys, and every `*Options` type has a table).
//!
//! Pure data, without `wasm_bindgen`, so that the native test includes this file as it is.

/// One options object a function accepts.
#[derive(Debug)]
pub(crate) struct OptionTable {
    /// The JS function that takes it (for messages of the functions that throw, and the test).
    pub function: &'static str,
    /// The TypeScript type declaring it in the `.d.ts`.
    pub ts_type: &'static str,
    /// Whether the whole options argument may be left out (`planChunks(size)`).
    pub optional: bool,
    /// Messages start with the function's name (`validate: options.kind is required`): the
    /// synchronous `validate` and `convertChat` throw, with no promise to say which call failed.
    pub prefixed: bool,
    /// The accepted keys, as groups shared between tables (in the order messages list them).
    pub groups: &'static [&'static [&'static str]],
}

impl OptionTable {
    /// Every accepted key, in table order.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> {
        self.groups.iter().flat_map(|g| g.iter().copied())
    }

    /// Whether `key` is an accepted option.
    pub fn contains(&self, key: &str) -> bool {
        self.keys().any(|k| k == key)
    }
}

/// The behaviour every upload shares (`CommonUploadOptions`).
pub(crate) const COMMON: &[&str] = &["signal", "onProgress", "retry", "stallTimeoutMs"];
/// The credentials of every SpeechSense call, in the order messages list them.
pub(crate) const SPEECHSENSE_CREDENTIALS: &[&str] = &["apiKey", "iamToken", "ticket"];
/// The credentials of the Vela calls: the API token, or a talk-gateway ticket (`VelaAuth`).
pub(crate) const VELA_CREDENTIALS: &[&str] = &["token", "ticket"];
/// How a zip is inspected (`InspectZipOptions`).
const ZIP: &[&str] = &["sampleBytes", "maxIssues"];

const fn upload(function: &'static str, ts_type: &'static str, groups: &'static [&'static [&'static str]]) -> OptionTable {
    OptionTable { function, ts_type, optional: false, prefixed: false, groups }
}

/// `uploadAudio`.
pub(crate) const UPLOAD_AUDIO: OptionTable = upload(
    "uploadAudio",
    "UploadAudioOptions",
    &[&["endpoint"], SPEECHSENSE_CREDENTIALS, &["connectionId", "method", "chunkSize"], COMMON],
);
/// `uploadText`.
pub(crate) const UPLOAD_TEXT: OptionTable =
    upload("uploadText", "UploadTextOptions", &[&["endpoint"], SPEECHSENSE_CREDENTIALS, &["connectionId"], COMMON]);
/// `presignedUpload`.
pub(crate) const PRESIGNED_UPLOAD: OptionTable = upload("presignedUpload", "PresignedUploadOptions", &[&["presign"], COMMON]);
/// `uploadVelaCall`.
pub(crate) const UPLOAD_VELA_CALL: OptionTable = upload(
    "uploadVelaCall",
    "UploadVelaCallOptions",
    &[&["apiBase"], VELA_CREDENTIALS, &["orgId", "email", "dateOfCall"], COMMON],
);
/// `uploadVelaChat`.
pub(crate) const UPLOAD_VELA_CHAT: OptionTable =
    upload("uploadVelaChat", "UploadVelaChatOptions", &[&["apiBase"], VELA_CREDENTIALS, &["orgId", "metadata"], COMMON]);
/// `uploadVelaBatch`.
pub(crate) const UPLOAD_VELA_BATCH: OptionTable = upload("uploadVelaBatch", "UploadVelaBatchOptions", &[&["presign"], ZIP, COMMON]);
/// `uploadLabelboxConversations`.
pub(crate) const UPLOAD_LABELBOX: OptionTable = upload(
    "uploadLabelboxConversations",
    "UploadLabelboxOptions",
    &[&["presign", "from", "concurrency", "globalKey", "metadataFields", "allowLoopbackHttp"], COMMON],
);
/// What `uploadLabelboxConversations` passes on to each item's presigned POST.
pub(crate) const PRESIGNED_UPLOAD_COMMON: OptionTable = upload("uploadLabelboxConversations", "CommonUploadOptions", &[COMMON]);
/// `planChunks`.
pub(crate) const PLAN_CHUNKS: OptionTable =
    OptionTable { function: "planChunks", ts_type: "PlanChunksOptions", optional: true, prefixed: false, groups: &[&["chunkSize"]] };
/// `sniffAudio`.
pub(crate) const SNIFF_AUDIO: OptionTable =
    OptionTable { function: "sniffAudio", ts_type: "SniffAudioOptions", optional: true, prefixed: false, groups: &[&["method"]] };
/// `inspectZip`.
pub(crate) const INSPECT_ZIP: OptionTable =
    OptionTable { function: "inspectZip", ts_type: "InspectZipOptions", optional: true, prefixed: false, groups: &[ZIP] };
/// `validate`.
pub(crate) const VALIDATE: OptionTable = OptionTable {
    function: "validate",
    ts_type: "ValidateOptions",
    optional: false,
    prefixed: true,
    groups: &[&["kind", "metadata", "connection", "fields", "maxIssues", "allowLoopbackHttp"]],
};
/// `convertChat`.
pub(crate) const CONVERT_CHAT: OptionTable = OptionTable {
    function: "convertChat",
    ts_type: "ConvertOptions",
    optional: false,
    prefixed: true,
    groups: &[&["from", "to", "metadata", "orgId", "sessionId", "roles", "maxIssues"]],
};

/// The objects inside options, also closed sets: `retry` of every upload.
pub(crate) const RETRY: OptionTable =
    OptionTable { function: "", ts_type: "RetryOptions", optional: true, prefixed: false, groups: &[&["delays"]] };
/// Each entry of `validate`'s `fields`.
pub(crate) const FIELD_DECL: OptionTable =
    OptionTable { function: "validate", ts_type: "FieldDecl", optional: false, prefixed: true, groups: &[&["name", "type", "required"]] };

/// Every table, for the test against the `.d.ts`.
#[allow(dead_code)]
pub(crate) const ALL: &[&OptionTable] = &[
    &UPLOAD_AUDIO,
    &UPLOAD_TEXT,
    &PRESIGNED_UPLOAD,
    &UPLOAD_VELA_CALL,
    &UPLOAD_VELA_CHAT,
    &UPLOAD_VELA_BATCH,
    &UPLOAD_LABELBOX,
    &PRESIGNED_UPLOAD_COMMON,
    &PLAN_CHUNKS,
    &SNIFF_AUDIO,
    &INSPECT_ZIP,
    &VALIDATE,
    &CONVERT_CHAT,
    &RETRY,
    &FIELD_DECL,
];
