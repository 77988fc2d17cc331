//! Credentials given as options: a string, or a function returning a string or a Promise of
//! one, called for each attempt (so a page can fetch a fresh talk-gateway ticket or IAM token
//! from its backend).
//!
//! Every value, static or returned, is checked as a header value first
//! ([`super::header::check_header_value`]): a bad one fails with `invalid_options` naming the
//! option and what is wrong, never the value, and with no cause that could quote it. A function
//! that throws or rejects fails with `invalid_options` and its error as `cause` (the caller's
//! own error).

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use super::engine::{Authorization, Credentials};
use super::failure::{UploadCode, UploadFailure};
use super::header::check_header_value;
use super::timer::abortable;

/// Where the value comes from.
enum Source {
    Static(String),
    Function(Function),
}

/// One credential option: `apiKey` (`Api-Key …`), `iamToken`, `ticket` or `token` (`Bearer …`).
pub(crate) struct Credential {
    /// `options.apiKey`, as messages name it.
    label: String,
    scheme: &'static str,
    source: Source,
    signal: Option<AbortSignal>,
}

/// The `authorization` scheme of each credential option.
fn scheme(option: &str) -> &'static str {
    if option == "apiKey" {
        "Api-Key"
    } else {
        "Bearer"
    }
}

fn invalid(message: String) -> UploadFailure {
    UploadFailure::new(UploadCode::InvalidOptions, message)
}

impl Credential {
    /// Reads the one credential `get` finds among `options` (exactly one must be given), as
    /// `owner.option`. `get(name)` is the option's value, `None` when absent.
    pub(crate) fn read(
        owner: &str,
        options: &[&'static str],
        get: &dyn Fn(&str) -> Option<JsValue>,
        signal: Option<AbortSignal>,
    ) -> Result<Credential, UploadFailure> {
        let mut given: Vec<(&'static str, JsValue)> = Vec::new();
        for &o in options {
            if let Some(v) = get(o) {
                given.push((o, v));
            }
        }
        // A loop, not `join`: `[&str]::join` would be a second copy of std's join (options.rs
        // joins `String`s).
        let mut list = String::new();
        for (i, o) in options.iter().enumerate() {
            if i > 0 {
                list.push_str(", ");
            }
            list.push_str(o);
        }
        let (option, value) = match given.as_slice() {
            [one] => one.clone(),
            [] => return Err(invalid(format!("{owner} needs one of {list}"))),
            [a, b, ..] => {
                return Err(invalid(format!("{owner} has both {} and {}; pass exactly one of {list}", a.0, b.0)));
            }
        };
        let label = format!("{owner}.{option}");
        let source = if let Some(s) = value.as_string() {
            check(&label, &s)?;
            Source::Static(s)
        } else if value.is_function() {
            Source::Function(value.unchecked_into())
        } else {
            return Err(invalid(format!(
                "{label} must be a string, or a function returning a string or a Promise of one"
            )));
        };
        Ok(Credential { label, scheme: scheme(option), source, signal })
    }

    async fn call(&self, f: &Function) -> Result<String, UploadFailure> {
        let threw = |e: JsValue| {
            invalid(format!("{} (a function) threw or rejected; see error.cause", self.label)).with_cause(e)
        };
        let returned = f.call0(&JsValue::UNDEFINED).map_err(threw)?;
        if let Some(s) = returned.as_string() {
            return Ok(s);
        }
        // `Promise.all([v])` makes a fresh promise of any value, thenables included, and turns
        // a throwing `then` getter into a rejection instead of an exception through wasm.
        let wrapped = Promise::all(&Array::of1(&returned));
        let settled = abortable(&wrapped, self.signal.as_ref())
            .await
            .ok_or_else(UploadFailure::aborted)?
            .map_err(threw)?;
        let value = Reflect::get(&settled, &JsValue::from(0)).unwrap_or(JsValue::UNDEFINED);
        value.as_string().ok_or_else(|| {
            invalid(format!("{} (a function) must return a string or a Promise of one", self.label))
        })
    }
}

fn check(label: &str, value: &str) -> Result<String, UploadFailure> {
    check_header_value(value)
        .map(str::to_owned)
        .map_err(|e| invalid(format!("{label} is not a valid HTTP header value: it {e}")))
}

impl Credentials for Credential {
    async fn authorization(&self) -> Result<Authorization, UploadFailure> {
        let raw = match &self.source {
            Source::Static(s) => s.clone(),
            Source::Function(f) => self.call(f).await?,
        };
        let secret = check(&self.label, &raw)?;
        Ok(Authorization { header: format!("{} {secret}", self.scheme), secret })
    }

    fn refreshable(&self) -> bool {
        matches!(self.source, Source::Function(_))
    }
}
