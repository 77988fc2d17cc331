//! Every file a comment or a doc names exists: a stale `see src/validate/check.rs` sends a
//! newcomer to a file that moved, and a reader cannot tell it from one that still holds the
//! rule.
//!
//! Read: the comments of `src/`, `devserver/src/` and `gateway/src/` (`//`, `///`, `//!`; code
//! and its string literals are not claims about files), and all of `docs/` and `README.md`. A
//! claim is a path ending in a file extension, either with a `/` whose first part is a folder of
//! the project or a module (`bindings/audio.rs`, `src/json/parser.rs`) or `shared/`, or a bare
//! name of a source or a doc ([`BARE`]). It must exist from the repository root, from a crate's `src/`, or from the
//! naming file's own folder and its parents; a bare name anywhere in the project. Paths that
//! `.gitignore` covers (`pkg/`, `bench/results.json`) are outputs of a build, not sources.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Extensions of bare names that are claims (`chat.json` is a format's name, not a file here).
const BARE: &[&str] = &[".rs", ".mjs", ".sh", ".md", ".proto", ".toml", ".js"];

const EXTENSIONS: &[&str] = &["rs", "md", "mjs", "js", "ts", "toml", "sh", "json", "proto", "html", "css", "py", "yaml", "yml", "txt", "csv", "wav", "zip"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | "pkg" | ".git") {
                files(&p, ext, out);
            }
        } else if p.extension().is_some_and(|e| ext.iter().any(|x| e == *x)) {
            out.push(p);
        }
    }
}

/// The comment text of a Rust file, line by line (other lines empty, so numbers still match).
fn comments(src: &str) -> Vec<String> {
    src.lines()
        .map(|line| {
            // A `//` outside a string literal starts a comment; this is enough for this crate's
            // style (no `//` inside string literals on a line that also has a comment).
            let mut in_str = false;
            let b = line.as_bytes();
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'\\' if in_str => i += 1,
                    b'"' => in_str = !in_str,
                    b'/' if !in_str && b.get(i + 1) == Some(&b'/') => return line[i..].to_owned(),
                    _ => {}
                }
                i += 1;
            }
            String::new()
        })
        .collect()
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '*')
}

/// The path-like words of `text`: runs of path characters that end in a known extension.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev = ' ';
    for c in text.chars().chain(std::iter::once(' ')) {
        if is_path_char(c) {
            if cur.is_empty() && (prev == ':' || prev.is_ascii_alphanumeric() || prev == '@' || prev == '~' || prev == '$') {
                // Part of a URL (`https://…`), a longer word or a home path: not a project path.
                cur.push('\u{0}');
            }
            cur.push(c);
        } else {
            let w = cur.trim_end_matches('.').to_owned();
            if !w.starts_with('\u{0}') && !w.contains('*') && !w.contains("..") && !w.starts_with('/') {
                let ext = w.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
                if EXTENSIONS.contains(&ext) && w.len() > ext.len() + 1 {
                    out.push(w);
                }
            }
            cur.clear();
        }
        prev = c;
    }
    out
}

/// Folders and module names a path may start with to be a claim about the project.
fn anchors(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for base in ["", "src", "devserver", "devserver/src", "gateway", "gateway/src"] {
        if let Ok(entries) = fs::read_dir(root.join(base)) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if e.path().is_dir() {
                    out.insert(name);
                } else if let Some(stem) = name.strip_suffix(".rs") {
                    out.insert(stem.to_owned());
                }
            }
        }
    }
    out.remove("lib");
    out.remove("main");
    out
}

/// The simple `/x` and `/x/*` patterns of the top `.gitignore`, as path prefixes.
fn ignored(root: &Path) -> Vec<String> {
    fs::read_to_string(root.join(".gitignore"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().strip_prefix('/'))
        .map(|l| l.trim_end_matches('*').trim_end_matches('/').to_owned() + "/")
        .collect()
}

fn exists(root: &Path, from: &Path, claim: &str, all_names: &BTreeSet<String>, ignored: &[String]) -> bool {
    if ignored.iter().any(|p| claim.starts_with(p.as_str()) || format!("{claim}/") == *p) {
        return true;
    }
    if !claim.contains('/') {
        return all_names.contains(claim);
    }
    let mut bases: Vec<PathBuf> = vec![root.to_path_buf(), root.join("src"), root.join("devserver/src"), root.join("gateway/src")];
    let mut dir = from.parent();
    while let Some(d) = dir {
        if !d.starts_with(root) {
            break;
        }
        bases.push(d.to_path_buf());
        dir = d.parent();
    }
    bases.iter().any(|b| b.join(claim).exists())
}

#[test]
fn files_named_in_comments_and_docs_exist() {
    let root = root();
    let anchors = anchors(&root);
    let ignored = ignored(&root);
    let mut everything = Vec::new();
    files(&root, EXTENSIONS, &mut everything);
    let all_names: BTreeSet<String> =
        everything.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();

    let mut sources = Vec::new();
    for dir in ["src", "devserver/src", "gateway/src"] {
        files(&root.join(dir), &["rs"], &mut sources);
    }
    let mut docs = vec![root.join("README.md")];
    files(&root.join("docs"), &["md"], &mut docs);

    let mut missing = Vec::new();
    let mut checked = 0;
    for file in sources.iter().chain(&docs) {
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let lines = if file.extension().is_some_and(|e| e == "rs") { comments(&text) } else { text.lines().map(str::to_owned).collect() };
        for (n, line) in lines.iter().enumerate() {
            for claim in words(line) {
                let first = claim.split('/').next().unwrap_or("");
                let bare_source = !claim.contains('/') && BARE.iter().any(|e| claim.ends_with(e));
                // `shared/` is the team's notes next to the checkout, which a reader of the
                // project does not have.
                if !(bare_source || (claim.contains('/') && (anchors.contains(first) || first == "shared"))) {
                    continue;
                }
                checked += 1;
                if !exists(&root, file, &claim, &all_names, &ignored) {
                    let rel = file.strip_prefix(&root).unwrap_or(file);
                    missing.push(format!("{}:{}: `{claim}` does not exist", rel.display(), n + 1));
                }
            }
        }
    }
    assert!(missing.is_empty(), "comments and docs name files the project does not have:\n{}", missing.join("\n"));
    assert!(checked > 30, "only {checked} paths were found to check: the scanner is broken");
}

#[test]
fn the_scanner_finds_paths_and_skips_urls() {
    assert_eq!(words("see `src/json/parser.rs`, then bindings/audio.rs."), ["src/json/parser.rs", "bindings/audio.rs"]);
    assert!(words("https://example.com/a/b.json and ~/x/y.rs and $HOME/a.rs").is_empty());
    assert_eq!(comments("let s = \"a // b\"; // see x/y.rs"), ["// see x/y.rs"]);
    let root = root();
    let names: BTreeSet<String> = ["lib.rs".to_owned()].into();
    let from = root.join("src/web/mod.rs");
    assert!(exists(&root, &from, "src/json/parser.rs", &names, &[]));
    assert!(exists(&root, &from, "bindings/audio.rs", &names, &[]), "from a crate's src/");
    assert!(exists(&root, &from, "xhr.rs", &names, &[]) == names.contains("xhr.rs"));
    assert!(!exists(&root, &from, "src/validate/check.rs", &names, &[]), "a moved file");
    assert!(!exists(&root, &from, "shared/s3-notes.md", &names, &[]));
    assert!(exists(&root, &from, "bench/results.json", &names, &ignored(&root)), "a build output");
}

/// Names a comment writes as a call that are not this project's functions: the standard
/// library's and the generated JS glue's.
const FOREIGN_CALLS: &[&str] = &["chars", "free"];

#[test]
fn functions_named_in_comments_exist() {
    // A comment that names a function as a call (`read_fields()`, `Sink::finish()`) must name
    // one that is defined somewhere in the workspace: a rename leaves such comments behind.
    let root = root();
    let mut sources = Vec::new();
    for dir in ["src", "devserver/src", "gateway/src", "tests", "devserver/tests", "gateway/tests"] {
        files(&root.join(dir), &["rs"], &mut sources);
    }
    let texts: Vec<(PathBuf, String)> = sources.iter().map(|p| (p.clone(), fs::read_to_string(p).unwrap_or_default())).collect();
    let mut defined = BTreeSet::new();
    for (_, text) in &texts {
        for (i, _) in text.match_indices("fn ") {
            let name: String = text[i + 3..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            defined.insert(name);
        }
    }
    let mut missing = Vec::new();
    let mut checked = 0;
    for (file, text) in texts.iter().filter(|(p, _)| ["src", "devserver/src", "gateway/src"].iter().any(|d| p.starts_with(root.join(d)))) {
        for (n, line) in comments(text).iter().enumerate() {
            for call in line.split('`').skip(1).step_by(2).filter_map(|s| s.strip_suffix("()")) {
                let name = call.rsplit("::").next().unwrap_or("");
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                    continue;
                }
                checked += 1;
                if !defined.contains(name) && !FOREIGN_CALLS.contains(&name) {
                    let rel = file.strip_prefix(&root).unwrap_or(file);
                    missing.push(format!("{}:{}: `{call}()` is defined nowhere", rel.display(), n + 1));
                }
            }
        }
    }
    assert!(missing.is_empty(), "comments name functions the project does not have:\n{}", missing.join("\n"));
    // Most comments link functions as [`name`] instead, which `cargo doc` checks (scripts/test.sh).
    assert!(checked > 3, "only {checked} calls were found to check: the scanner is broken");
}
