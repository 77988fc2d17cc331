//! The `UploadError` codes are one closed set, written in three places that must agree: the Rust
//! enum (`UploadCode::ALL`), the table in docs/api.md and the TypeScript union `UploadErrorCode`
//! in the shipped `.d.ts`. The package's JS files make UploadErrors too: their codes must be in
//! the set as well.

use talk_uploader::upload_code::UploadCode;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn all() -> Vec<&'static str> {
    UploadCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// The rows of the code table in docs/api.md's `## UploadError` section, as (code, meaning).
fn documented() -> Vec<(String, String)> {
    let doc = read("docs/api.md");
    let start = doc.find("## UploadError").expect("docs/api.md has an UploadError section");
    let section = &doc[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let table = section.find("| `code` | meaning |").expect("the UploadError section has a `| `code` | meaning |` table");
    section[table..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 2, "a row of two cells: {row}");
            (cells[0].trim_matches('`').to_owned(), cells[1].to_owned())
        })
        .collect()
}

#[test]
fn the_docs_table_lists_every_code_with_its_meaning() {
    let rows = documented();
    let codes: Vec<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, all(), "docs/api.md's UploadError table and UploadCode::ALL differ (same codes, same order)");
    for ((_, meaning), code) in rows.iter().zip(UploadCode::ALL) {
        assert_eq!(meaning, code.meaning(), "docs/api.md's meaning of `{code}` is not the doc line of its variant");
    }
}

#[test]
fn the_typescript_union_lists_every_code() {
    let types = read("src/bindings/types.rs");
    let start = types.find("export type UploadErrorCode =").expect("UploadErrorCode union");
    let end = start + types[start..].find(';').expect("end of the union");
    let listed: Vec<&str> = types[start..end].split('"').skip(1).step_by(2).collect();
    assert_eq!(listed, all());
    assert!(types.contains("  code: UploadErrorCode;"), "UploadError.code is typed as the union");
}

/// UploadErrors made in the package's JS (a failed file read, a dead worker, a trapped module).
#[test]
fn the_codes_made_in_js_are_in_the_set() {
    let mut seen = 0;
    for entry in std::fs::read_dir(format!("{}/js", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for marker in ["uploadError(\"", "{ code: \""] {
            for piece in text.split(marker).skip(1) {
                let code = &piece[..piece.find('"').unwrap()];
                assert!(UploadCode::from_name(code).is_some(), "{}: `{code}` is not an UploadCode", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 4, "found {seen} codes made in js/: has uploadError() been renamed?");
}

#[test]
fn vela_codes_map_into_the_set() {
    for name in ["unauthorized", "minute_allocation_exceeded", "invalid_request", "internal"] {
        assert_eq!(UploadCode::from_vela(name).map(|c| c.as_str()), Some(name));
    }
    assert_eq!(UploadCode::from_vela("AccessDenied"), None);
}
