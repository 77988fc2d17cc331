//! Times `validate` natively on a file: `cargo run --release --example time_validate -- chat.json
//! [metadata.json] [runs]`. Prints the median and the report's counts. For profiling the hot path
//! (the browser figures come from `npm run bench`).

use std::time::Instant;

use talk_uploader::validate::{validate, ValidateOptions, ValidationKind};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: time_validate <chat.json> [metadata.json] [runs]");
        std::process::exit(2);
    };
    let input = std::fs::read(path).expect("read input");
    let mut opts = ValidateOptions::new(ValidationKind::SpeechsenseChat);
    opts.metadata = args.get(2).map(|m| std::fs::read_to_string(m).expect("read metadata"));
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(9);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = validate(&input, &opts);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let r = last.expect("at least one run");
    println!(
        "{path}: median {median:.1} ms ({:.0} MB/s), ok {}, {} errors, {} warnings",
        input.len() as f64 / median / 1e3,
        r.ok,
        r.errors.len(),
        r.warnings.len()
    );
}
