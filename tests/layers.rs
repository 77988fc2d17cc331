//! The crate's layering, checked from its imports: `src/lib.rs` declares the top-level modules
//! bottom-up, and a module may use only modules declared before it. So the imports have no
//! circle and no arrow that runs back up.
//!
//! Every `crate::x` path in code (and `super::x` that reaches the crate root) is an arrow from
//! the file's top-level module to `x`. Comments, string literals and `#[cfg(test)]` modules are
//! not code here: a unit test may reach across (a test of `chunk` checks its plans against the
//! grpc-web framing), and a doc link names, it does not depend.
//!
//! `cargo test -p talk-uploader --test layers -- --nocapture` prints the graph, bottom-up.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules in the order `src/lib.rs` declares them.
fn declared_order(lib: &str) -> Vec<String> {
    lib.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("pub mod ").or_else(|| l.strip_prefix("mod ")))
        .filter_map(|l| l.strip_suffix(';'))
        .map(str::to_owned)
        .collect()
}

/// `src` without comments and without the contents of string and char literals, so that only
/// code is left (line breaks are kept, so line numbers still match).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if b[i] == b'\n' {
                            out.push('\n');
                        }
                        i += 1;
                    }
                }
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#')) && (i == 0 || !is_ident(b[i - 1]) || (b[i - 1] == b'b' && (i < 2 || !is_ident(b[i - 2])))) => {
                // A raw string: r"…", r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                j += 1;
                let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
                while j < b.len() && !b[j..].starts_with(&close) {
                    if b[j] == b'\n' {
                        out.push('\n');
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j + close.len();
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if b.get(i) == Some(&b'\n') {
                        out.push('\n');
                    }
                    i += 1;
                }
                out.push_str("\"\"");
                i += 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a): skip only a literal.
                let rest = &b[i + 1..];
                let len = if rest.first() == Some(&b'\\') {
                    rest.iter().skip(1).position(|&c| c == b'\'').map(|p| p + 2)
                } else {
                    src[i + 1..].chars().next().map(char::len_utf8).filter(|&n| rest.get(n) == Some(&b'\''))
                };
                match len {
                    Some(n) => {
                        out.push_str("' '");
                        i += n + 2;
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            _ => {
                let start = i;
                i += 1;
                while i < b.len() && !matches!(b[i], b'/' | b'"' | b'\'' | b'r') {
                    i += 1;
                }
                out.push_str(&src[start..i]);
            }
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `code` with every `#[cfg(test)]` item (a `mod tests { … }`, a test-only `use`) blanked out,
/// line breaks kept.
fn without_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        // The item ends at its `;` or at the `}` that closes its first `{`.
        let mut depth = 0usize;
        let mut end = item.len();
        for (i, c) in item.char_indices().skip("#[cfg(test)]".len()) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        out.extend(item[..end].chars().filter(|&c| c == '\n'));
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The top-level modules that `code` (a file of module path `path`) refers to, with the line of
/// each first reference.
fn references(code: &str, path: &[String], modules: &BTreeSet<String>) -> BTreeMap<String, (usize, String)> {
    let mut found = BTreeMap::new();
    for (n, line) in code.lines().enumerate() {
        let b = line.as_bytes();
        let mut targets: Vec<String> = Vec::new();
        for (i, _) in line.match_indices("crate::") {
            if i > 0 && (is_ident(b[i - 1]) || b[i - 1] == b'$') {
                continue;
            }
            let after = &line[i + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                // `use crate::{a::x, b}`: the first segment of each item (on this line).
                let inner = group.split('}').next().unwrap_or("");
                targets.extend(inner.split(',').map(|s| s.trim().split("::").next().unwrap_or("").to_owned()));
            } else {
                targets.push(after.bytes().take_while(|&c| is_ident(c)).map(char::from).collect());
            }
        }
        // `super::…::x` that climbs to the crate root.
        let mut from = 0;
        while let Some(rel) = line[from..].find("super::") {
            let i = from + rel;
            from = i + 1;
            if i > 0 && is_ident(b[i - 1]) || line[..i].ends_with("::") {
                continue;
            }
            let mut up = 0;
            let mut rest = &line[i..];
            while let Some(r) = rest.strip_prefix("super::") {
                up += 1;
                rest = r;
            }
            if up == path.len() {
                targets.push(rest.bytes().take_while(|&c| is_ident(c)).map(char::from).collect());
            }
        }
        for t in targets {
            if modules.contains(&t) && path.first() != Some(&t) {
                found.entry(t).or_insert_with(|| (n + 1, line.trim().to_owned()));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("src/ is readable").map(|e| e.expect("a directory entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under `src/` (`src/json/parser.rs` is `json::parser`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// What the imports of the crate under `src` say: its modules in declared order, each with
/// what it uses, and every import that runs back up.
struct Layering {
    order: Vec<String>,
    graph: BTreeMap<String, BTreeSet<String>>,
    upward: Vec<String>,
}

fn layering(src: &Path) -> Layering {
    let order = declared_order(&fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs"));
    let rank: BTreeMap<String, usize> = order.iter().enumerate().map(|(i, m)| (m.clone(), i)).collect();
    let modules: BTreeSet<String> = order.iter().cloned().collect();

    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = order.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    let mut upward = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(src).expect("under src/");
        let path = module_path(rel);
        let Some(top) = path.first() else { continue };
        let Some(&own) = rank.get(top) else {
            // A file reached through `#[path]` from its parent (bindings/option_table.rs) belongs
            // to that parent's module; any other stray file is a mistake.
            assert!(file.parent().and_then(|d| d.file_name()).is_some_and(|d| modules.contains(&*d.to_string_lossy())), "{} belongs to no module declared in src/lib.rs", rel.display());
            continue;
        };
        let text = fs::read_to_string(file).expect("a source file");
        let code = without_test_items(&code_only(&text));
        for (target, (line, shown)) in references(&code, &path, &modules) {
            graph.entry(top.clone()).or_default().insert(target.clone());
            if rank[&target] > own {
                upward.push(format!("src/{}:{line}: `{top}` uses `{target}`, which src/lib.rs declares above it: {shown}", rel.display()));
            }
        }
    }
    Layering { order, graph, upward }
}

#[test]
fn every_module_uses_only_modules_declared_before_it() {
    let Layering { order, graph, upward } = layering(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(order.len() >= 10, "src/lib.rs declares too few modules to be read: {order:?}");
    println!("imports, bottom-up (module -> what it uses):");
    for m in &order {
        let deps: Vec<&str> = graph[m].iter().map(String::as_str).collect();
        println!("  {m:<11} -> {}", if deps.is_empty() { "(nothing)".to_owned() } else { deps.join(", ") });
    }
    assert!(upward.is_empty(), "imports that run back up (declare the module lower in src/lib.rs, or move the code):\n{}", upward.join("\n"));
}

#[test]
fn an_upward_import_and_a_circle_are_found() {
    // A crate of three modules where `json` reaches up into `validate`, which uses `json`: the
    // circle the crate once had.
    let dir = std::env::temp_dir().join(format!("layers-test-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("json")).expect("a temp dir");
    let files = [
        ("lib.rs", "pub mod report;\npub mod json;\npub mod validate;\n"),
        ("report.rs", "pub struct Code;\n"),
        ("json/mod.rs", "mod parser;\nuse crate::report::Code;\n"),
        ("json/parser.rs", "// crate::validate in a comment is no import\nuse super::super::validate::Issue;\n"),
        ("validate.rs", "use crate::{json, report::Code};\npub struct Issue;\n#[cfg(test)]\nmod tests {\n    use crate::json;\n}\n"),
    ];
    for (name, text) in files {
        fs::write(dir.join(name), text).expect("a temp file");
    }
    let found = layering(&dir);
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(found.graph["validate"], BTreeSet::from(["json".to_owned(), "report".to_owned()]));
    assert_eq!(found.upward.len(), 1, "{:?}", found.upward);
    assert!(found.upward[0].starts_with("src/json/parser.rs:2: `json` uses `validate`"), "{}", found.upward[0]);
}

#[test]
fn the_core_layers_keep_their_order() {
    // The report model at the bottom, then the parser, the format rules, validate(), and
    // conversion and upload preparation on top.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let order = declared_order(&fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs"));
    let at = |m: &str| order.iter().position(|x| x == m).unwrap_or_else(|| panic!("src/lib.rs does not declare `{m}`"));
    let core = ["report", "json", "formats", "validate", "convert", "prepare"];
    for pair in core.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "`{}` must be declared below `{}` in src/lib.rs", pair[0], pair[1]);
    }
}

#[test]
fn the_scanner_sees_code_only() {
    let code = code_only("let a = \"crate::zip\"; // crate::web\n/* crate::audio */ let c = 'x'; fn f<'a>() {}\nuse crate::json;");
    let modules: BTreeSet<String> = ["zip", "web", "audio", "json"].map(str::to_owned).into();
    let refs = references(&code, &["report".to_owned()], &modules);
    assert_eq!(refs.keys().collect::<Vec<_>>(), ["json"]);
    assert_eq!(refs["json"].0, 3);
    let tested = without_test_items("use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\nuse crate::c;\n");
    assert_eq!(tested, "use crate::a;\n\n\n\n\nuse crate::c;\n");
    let refs = references("use super::super::zip::X;\nuse super::web;", &["json".to_owned(), "parser".to_owned()], &modules);
    assert_eq!(refs.keys().collect::<Vec<_>>(), ["zip"]);
    let refs = references("use crate::{json::Value, zip};", &["report".to_owned()], &modules);
    assert_eq!(refs.keys().collect::<Vec<_>>(), ["json", "zip"]);
}

#[test]
fn the_readme_lists_src_in_the_declared_order() {
    // README's Layout names src/'s folders bottom-up; it must not drift from src/lib.rs.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let order = declared_order(&fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs"));
    let readme = fs::read_to_string(root.join("README.md")).expect("README.md");
    let listed: Vec<String> = readme
        .lines()
        .skip_while(|l| !l.starts_with("src/ "))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .flat_map(|l| {
            // The names, then two or more spaces, then what they are.
            l.trim_start().split("  ").next().unwrap_or("").split_whitespace().map(|w| w.trim_end_matches('/').trim_end_matches(".rs").to_owned()).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(listed, order, "README.md's Layout must list src/ as src/lib.rs declares it");
}
