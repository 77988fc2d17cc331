//! The stable issue codes.
//!
//! A code is a `snake_case` string that scripts and tests match on; it never changes once
//! published. The human message travels next to it in [`Issue::message`](super::Issue::message).

/// Defines a closed set of stable codes: an enum whose variants each carry a `snake_case` name
/// and a one-line meaning (the variant's doc), with `ALL` in documentation order, `as_str`,
/// `meaning`, `from_name` and `Display`. The issue codes here and the `UploadError` codes
/// ([`crate::upload_code`]) are both made with it, so both sets are checked the same way
/// against the docs and the TypeScript unions.
macro_rules! codes {
    ($(#[doc = $edoc:literal])+ pub enum $name:ident; $( $(#[doc = $doc:literal])+ $variant:ident = $s:literal, )+) => {
        $(#[doc = $edoc])+
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl $name {
            /// All codes, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable `snake_case` name of the code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)+ }
            }

            /// A one-line meaning of the code (the doc line of its variant).
            pub fn meaning(self) -> &'static str {
                match self { $($name::$variant => concat!($($doc),+).trim_start(),)+ }
            }

            /// Parses a code from its `snake_case` name.
            pub fn from_name(name: &str) -> Option<$name> {
                match name { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use codes;

codes! {
    /// Every issue code the validator and the converter can report.
    pub enum Code;
    /// The input is empty or holds only whitespace.
    EmptyInput = "empty_input",
    /// The input is not valid UTF-8; the position is the first bad byte.
    InvalidUtf8 = "invalid_utf8",
    /// The input is over the documented limit (256 MiB, or 16,777,216 JSON values): split it.
    InputTooLarge = "input_too_large",
    /// Arrays and objects are nested deeper than the limit (512 levels).
    TooDeep = "too_deep",
    /// The document ends before a string, array, object or value is complete.
    UnexpectedEnd = "unexpected_end",
    /// A character that cannot start or continue a JSON value here (comments and single quotes included).
    UnexpectedCharacter = "unexpected_character",
    /// A comma right before `]` or `}`.
    TrailingComma = "trailing_comma",
    /// Two items or members without a comma between them.
    MissingComma = "missing_comma",
    /// An object key without a `:` after it.
    MissingColon = "missing_colon",
    /// An object member whose key is not a double-quoted string.
    ExpectedKey = "expected_key",
    /// A backslash escape that JSON does not define, such as `\x41` or `\u12`.
    InvalidEscape = "invalid_escape",
    /// A `\u` escape of half a UTF-16 surrogate pair, which cannot become valid Unicode text.
    LoneSurrogate = "lone_surrogate",
    /// A raw control character (U+0000 to U+001F) inside a string.
    ControlCharacter = "control_character",
    /// A number that JSON does not allow (leading zeros, `+1`, `.5`, `1.`, `NaN`, `Infinity`).
    InvalidNumber = "invalid_number",
    /// A bare word that is not `true`, `false` or `null`.
    InvalidLiteral = "invalid_literal",
    /// More text after the end of the JSON document.
    TrailingContent = "trailing_content",
    /// The same key appears twice in one object, so the upload would be ambiguous.
    DuplicateKey = "duplicate_key",
    /// A value has the wrong JSON type (for example a number where a string is required).
    WrongType = "wrong_type",
    /// A required member is absent; the path is where it would be, the position is its parent object.
    MissingMember = "missing_member",
    /// A member that the format does not define (a warning: it is ignored or may be a typo).
    UnknownMember = "unknown_member",
    /// A string that must not be empty is empty.
    EmptyValue = "empty_value",
    /// An array that must have at least one item is empty.
    EmptyArray = "empty_array",
    /// A string that must be an RFC 3339 / ISO 8601 date-time or date does not have that shape.
    InvalidDatetime = "invalid_datetime",
    /// A date-time of the right shape names a day or time that does not exist (February 30, hour 25).
    InvalidCalendarDate = "invalid_calendar_date",
    /// A date-time without `Z` or an offset (a warning for metadata dates, an error for chat timestamps).
    MissingOffset = "missing_offset",
    /// A range whose start is after its end (`date_from` > `date_to`, `start_time` > `end_time`).
    RangeReversed = "range_reversed",
    /// Message timestamps are not in ascending order (a warning).
    OutOfOrder = "out_of_order",
    /// A Vela message whose timestamp is outside [`start_time`, `end_time`] (a warning).
    OutsideSession = "outside_session",
    /// A chat `user_id` that is none of the metadata's `operator_id`, `client_id` and `bot_id`.
    UnknownUserId = "unknown_user_id",
    /// The `metadata` option given with a SpeechSense chat cannot be used (malformed or without ids).
    InvalidMetadataOption = "invalid_metadata_option",
    /// A SpeechSense metadata value is a number or a boolean: the wire type is `map<string,string>`.
    UnquotedValue = "unquoted_value",
    /// A SpeechSense metadata key is longer than 1,024 bytes of UTF-8.
    KeyTooLong = "key_too_long",
    /// A SpeechSense metadata value is longer than 1,024 bytes of UTF-8.
    ValueTooLong = "value_too_long",
    /// A metadata key that is neither required, known nor declared for the connection (a warning).
    UndeclaredKey = "undeclared_key",
    /// A string that must be `"true"` or `"false"` is something else.
    InvalidBoolean = "invalid_boolean",
    /// `language` is not a comma-separated list of language tags such as `ru-RU, kk-KZ`.
    InvalidLanguage = "invalid_language",
    /// A declared connection field whose value does not match its SpeechSense type.
    InvalidFieldValue = "invalid_field_value",
    /// A string that must be an e-mail address is not a syntactically valid one.
    InvalidEmail = "invalid_email",
    /// A string that must be a URL (for Labelbox `row_data`, an `https` URL) is not one.
    InvalidUrl = "invalid_url",
    /// A value outside its fixed set (`align`, `media_type`, `type`, `version`).
    InvalidEnum = "invalid_enum",
    /// A Vela `sender` other than `agent`, `customer` and `bot` (a warning: roles cannot be mapped).
    UnknownSender = "unknown_sender",
    /// A Labelbox conversation has more than 250 messages.
    TooManyMessages = "too_many_messages",
    /// A Labelbox `messageId` already used by an earlier message (reported at the later one).
    DuplicateMessageId = "duplicate_message_id",
    /// A Labelbox `global_key` already used by an earlier row (reported at the later one).
    DuplicateGlobalKey = "duplicate_global_key",
    /// A Labelbox message `content` of 10,000 or more Unicode scalar values.
    ContentTooLong = "content_too_long",
    /// A number that must be an integer has a fraction or an exponent, or does not fit in 64 bits.
    InvalidInteger = "invalid_integer",
    /// A Labelbox `timestampUsec` that looks like seconds or milliseconds, not microseconds (a warning).
    TimestampUnit = "timestamp_unit",
    /// An empty message text (a warning).
    EmptyText = "empty_text",
    /// Conversion dropped something the target format cannot hold (a warning).
    Dropped = "dropped",
    /// Conversion had to guess a participant's role (a warning).
    RoleInferred = "role_inferred",
    /// Conversion rounded a timestamp to the target's precision (a warning).
    PrecisionLost = "precision_lost",
    /// Conversion needs an option that was not given (for example Vela's `orgId`).
    MissingOption = "missing_option",
    /// More issues than `maxIssues` (default 1,000): the rest are counted, not listed, and the report is `truncated`.
    TooManyIssues = "too_many_issues",
    /// The file is not a zip archive (it has no end-of-central-directory record).
    NotAZip = "not_a_zip",
    /// The zip is over 3 GB (3,000,000,000 bytes), Vela's limit for a batch.
    ZipTooLarge = "zip_too_large",
    /// The zip's structure is damaged: a header, a size, a deflate stream or a CRC-32 does not add up.
    ZipCorrupt = "zip_corrupt",
    /// A split (multi-disk) zip, or an entry compressed with a method other than stored or deflate.
    ZipUnsupported = "zip_unsupported",
    /// An entry is encrypted (password-protected): Vela cannot read it.
    ZipEncryptedEntry = "zip_encrypted_entry",
    /// An entry's name would escape the archive's folder (`../`, an absolute path, a drive letter, a backslash).
    ZipUnsafeName = "zip_unsafe_name",
    /// Two entries have the same name (a warning when they differ only in letter case).
    ZipDuplicateName = "zip_duplicate_name",
    /// The zip holds no `.csv`, `.tsv` or `.json` entry.
    ZipNoDataEntries = "zip_no_data_entries",
    /// A CSV or TSV entry is empty: it has no header row.
    CsvNoHeader = "csv_no_header",
    /// A header column of a CSV or TSV entry has no name, or repeats another column's name.
    CsvHeaderName = "csv_header_name",
    /// A CSV or TSV record has more or fewer fields than the header.
    CsvColumnCount = "csv_column_count",
    /// A quoted CSV field is never closed.
    CsvUnterminatedQuote = "csv_unterminated_quote",
    /// A `"` inside an unquoted CSV field, or text after a closing quote (a warning).
    CsvStrayQuote = "csv_stray_quote",
    /// A blank line in a CSV or TSV entry (a warning).
    CsvBlankLine = "csv_blank_line",
    /// Labelbox's editor would show part of a message as typed: an HTML entity, an escape written as text, or a `:emoji:` alias (a warning).
    ShownLiterally = "shown_literally",
    /// A Labelbox `global_key` is longer than 200 characters.
    GlobalKeyTooLong = "global_key_too_long",
    /// Conversion into Labelbox decoded HTML entities in a message's text (a warning).
    HtmlDecoded = "html_decoded",
}

#[cfg(not(target_arch = "wasm32"))]
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c);
            assert_eq!(Code::from_name(c.as_str()), Some(c));
            assert!(!c.meaning().is_empty());
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
        }
    }
}
