//! The option tables (`src/bindings/option_table.rs`) against the TypeScript the package ships.
//!
//! The tables drive the option reader: its unknown-key check and every read. The `.d.ts` is
//! written by hand in the bindings' `typescript_custom_section`s, so this test resolves each
//! table's TypeScript type (interfaces, `extends`, `&`, `|`, object literals) to its keys and
//! requires the same set: an option added on one side only fails here, natively.

#[allow(dead_code)]
#[path = "../src/bindings/option_table.rs"]
mod option_table;

use std::collections::{BTreeMap, BTreeSet};

/// Every TypeScript declaration of the bindings: name -> (`extends` list, body or expression).
struct Declarations(BTreeMap<String, (Vec<String>, String)>);

/// The text of every raw string in the bindings that declares TypeScript.
fn typescript_sources() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bindings");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.file_name().unwrap().to_string_lossy().into_owned(), text));
        }
    }
    out.sort();
    out
}

fn typescript_sections(rust: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = rust;
    while let Some(i) = rest.find("typescript_custom_section") {
        rest = &rest[i..];
        let Some(start) = rest.find("r#\"") else { break };
        let Some(len) = rest[start + 3..].find("\"#") else { break };
        out.push(rest[start + 3..start + 3 + len].to_owned());
        rest = &rest[start + 3 + len..];
    }
    out
}

/// `text` without `/* */` and `//` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    out.push_str(rest);
    out.lines().map(|l| l.find("//").map_or(l, |i| &l[..i])).collect::<Vec<_>>().join("\n")
}

/// The index just past the bracket that closes the one at `open`.
fn close(text: &str, open: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced brackets in {}", &text[open..]);
}

/// Splits `text` at top-level occurrences of any of `seps`.
fn split_top(text: &str, seps: &[u8]) -> Vec<String> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' | b'(' | b'[' | b'<' => depth += 1,
            b'}' | b')' | b']' => depth -= 1,
            b'>' if i > 0 && bytes[i - 1] != b'=' => depth -= 1,
            _ if depth == 0 && seps.contains(&b) => {
                out.push(text[start..i].to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].to_owned());
    out
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

impl Declarations {
    fn parse() -> Declarations {
        let mut decls = BTreeMap::new();
        for (_, rust) in typescript_sources() {
            for section in typescript_sections(&rust) {
                let ts = strip_comments(&section);
                let mut rest = ts.as_str();
                while let Some(i) = rest.find("export ") {
                    rest = &rest[i + 7..];
                    let (kind, after) = rest.split_once(' ').unwrap();
                    let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    let after = &after[name.len()..];
                    match kind {
                        "interface" | "class" => {
                            let open = after.find('{').unwrap();
                            let head = after[..open].trim();
                            let extends = head
                                .strip_prefix("extends")
                                .map(|l| l.split(',').map(|s| s.trim().to_owned()).collect())
                                .unwrap_or_default();
                            let end = close(after, open);
                            decls.insert(name, (extends, after[open..end].to_owned()));
                            rest = &after[end..];
                        }
                        "type" => {
                            let eq = after.find('=').unwrap();
                            let expr = split_top(&after[eq + 1..], b";").remove(0);
                            rest = &after[eq + 1 + expr.len()..];
                            decls.insert(name, (Vec::new(), expr));
                        }
                        _ => {}
                    }
                }
            }
        }
        Declarations(decls)
    }

    /// The keys an object of type `name` may have (union and intersection members alike).
    fn keys(&self, name: &str) -> BTreeSet<String> {
        let (extends, body) = self.0.get(name).unwrap_or_else(|| panic!("the .d.ts declares no {name}"));
        let mut keys = self.expr_keys(body);
        for base in extends {
            keys.extend(self.keys(base));
        }
        keys
    }

    fn expr_keys(&self, expr: &str) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for term in split_top(expr, b"&|") {
            let term = term.trim();
            if term.starts_with('(') && term.ends_with(')') {
                keys.extend(self.expr_keys(&term[1..term.len() - 1]));
            } else if term.starts_with('{') {
                for member in split_top(&term[1..term.len() - 1], b";,\n") {
                    let head = split_top(&member, b":").remove(0);
                    let key = head.trim().trim_end_matches('?');
                    if is_ident(key) && member.contains(':') {
                        keys.insert(key.to_owned());
                    }
                }
            } else if self.0.contains_key(term) {
                keys.extend(self.keys(term));
            }
        }
        keys
    }
}

#[test]
fn every_table_has_the_keys_of_its_typescript_type() {
    let decls = Declarations::parse();
    for table in option_table::ALL {
        let ts = decls.keys(table.ts_type);
        let rust: BTreeSet<String> = table.keys().map(str::to_owned).collect();
        assert_eq!(rust.len(), table.keys().count(), "{} lists a key twice", table.ts_type);
        assert_eq!(rust, ts, "the {} table of {} and its TypeScript type differ", table.ts_type, table.function);
    }
}

/// A new options type (or a function taking one) cannot ship without a table.
#[test]
fn every_options_type_and_parameter_has_a_table() {
    let decls = Declarations::parse();
    let tabled: BTreeSet<&str> = option_table::ALL.iter().map(|t| t.ts_type).collect();
    // Building blocks of the entry points' types, not an entry point's type themselves.
    let parts = ["SpeechSenseOptions"];
    for name in decls.0.keys().filter(|n| n.ends_with("Options")) {
        assert!(tabled.contains(name.as_str()) || parts.contains(&name.as_str()), "{name} has no option table");
    }
    for (file, rust) in typescript_sources() {
        for attr in ["unchecked_param_type = \"", "typescript_type = \""] {
            for piece in rust.split(attr).skip(1) {
                let ty = &piece[..piece.find('"').unwrap()];
                if ty.ends_with("Options") {
                    assert!(tabled.contains(ty), "{file}: {ty} has no option table");
                }
            }
        }
    }
}

/// Every option the bindings read by name is in a table: a read of a misspelt key would
/// silently see nothing (the reader also asserts this at run time in debug builds).
#[test]
fn every_option_read_is_in_a_table() {
    let all: BTreeSet<&str> = option_table::ALL.iter().flat_map(|t| t.keys()).collect();
    let readers = [
        "string", "required_string", "u64", "function", "get", "bool", "one_of", "required_one_of", "json_text", "map_of",
    ];
    let mut seen = 0;
    for (file, rust) in typescript_sources() {
        for reader in readers {
            for receiver in ["opts", "o", "self", "decl", "batch.opts"] {
                let call = format!("{receiver}.{reader}(\"");
                for piece in rust.split(call.as_str()).skip(1) {
                    let key = &piece[..piece.find('"').unwrap()];
                    assert!(all.contains(key), "{file}: {receiver}.{reader}(\"{key}\") reads an option no table lists");
                    seen += 1;
                }
            }
        }
    }
    assert!(seen > 30, "found only {seen} option reads: has the reader's API changed?");
}

/// The parser above reads what it must: a check of the checker on a known declaration.
#[test]
fn the_typescript_reader_resolves_unions_and_intersections() {
    let decls = Declarations::parse();
    let keys = decls.keys("UploadAudioOptions");
    for k in ["apiKey", "iamToken", "ticket", "endpoint", "connectionId", "method", "chunkSize", "signal", "onProgress", "retry", "stallTimeoutMs"] {
        assert!(keys.contains(k), "{k} missing from {keys:?}");
    }
    assert!(!keys.contains("delays") && !keys.contains("progress"), "nested keys leaked: {keys:?}");
}

/// Each entry point's section of docs/api.md names every option its table accepts (the shared
/// `signal`, `onProgress`, `retry` and `stallTimeoutMs` are described once, under "Shared
/// behaviour").
#[test]
fn every_option_is_documented_in_its_functions_section() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md")).unwrap();
    let entry_points =
        option_table::ALL.iter().filter(|t| !t.function.is_empty() && t.ts_type.ends_with("Options") && t.ts_type != "CommonUploadOptions");
    for table in entry_points {
        let heading = format!("\n## {}(", table.function);
        let start = doc.find(&heading).unwrap_or_else(|| panic!("docs/api.md has no section {heading:?}")) + 1;
        let section = &doc[start..doc[start..].find("\n## ").map_or(doc.len(), |i| start + i)];
        for key in table.keys() {
            let named = section.contains(&format!("`{key}`")) || section.contains(&format!("`{key}?`"));
            let shared = option_table::COMMON.contains(&key) && section.contains("shared");
            assert!(named || shared, "docs/api.md's {} section does not name `{key}`", table.function);
        }
    }
}
