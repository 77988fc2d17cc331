//! Conversion output, byte for byte: every from → to over a corpus of hand-written and generated
//! chats, compared with `tests/fixtures/convert-golden.txt` (written by the converter of 923ee2f,
//! which built a value tree per message). The writer may change shape; its bytes, warnings and
//! errors (codes, paths, texts, order) may not.
//! `TALK_UPLOADER_GOLDEN_WRITE=1 cargo test --test convert_golden` rewrites the file.

// Reads its fixture from the file system: native only.
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;

use talk_uploader::convert::{convert_chat, ChatFormat, ConvertOptions, ConvertResult, Role};

const SS: ChatFormat = ChatFormat::Speechsense;
const VELA: ChatFormat = ChatFormat::Vela;
const LB: ChatFormat = ChatFormat::Labelbox;
const FORMATS: [ChatFormat; 3] = [SS, VELA, LB];

const META: &str = r#"{"operator_name":"Ann","operator_id":"1111","client_name":"Bo","client_id":"2222","bot_name":"Robo","bot_id":"3333","date":"2023-09-13T17:30:00.000Z","direction_outgoing":"true","language":"ru-RU"}"#;
const META_ODD: &str = r#"{"operator_id":"1111","client_id":"2222","date_from":"2023-09-13T17:30:00+05:00","date_to":"2023-09-13T18:30:00.5+05:00","n":5,"obj":{"a":[1,"x"]},"flag":true,"ticket_id":"T-1","org_id":"O-1","z\"q":"a\\b\u0001"}"#;

const SS_CHAT: &str = r#"{"messages":[{"user_id":1111,"text":"Hi","timestamp":"2023-09-13T17:30:00.123456789+03:00"},{"user_id":"2222","text":"Yo &amp; <b>x</b> \"q\" \\ \u0007 é 😀","timestamp":"2023-09-13T14:31:00Z"},{"user_id":"3333","text":"Beep","timestamp":"2023-09-13T14:32:00-00:30"},{"user_id":"1111","text":"who &lt;","timestamp":"2023-09-13T18:33:00.5Z"}]}"#;
const VELA_CHAT: &str = r#"{"org_id":"o","chat_data":{"session_id":"s","agent_id":"a1","customer_id":"c1","start_time":"2024-01-15T10:30:00+01:00","end_time":"2024-01-15T10:45:00Z","messages":[{"timestamp":"2024-01-15T10:30:00Z","sender":"customer","content":"Hello &amp; bye"},{"timestamp":"2024-01-15T10:31:00.000001+02:00","sender":"agent","content":"Hi"},{"timestamp":"2024-01-15T10:32:00Z","sender":"bot","content":"b"},{"timestamp":"2024-01-15T10:33:00Z","sender":"other","content":"?"}]},"metadata":{"bot_id":"B","bot_name":"Robo","operator_name":"Ann","client_name":"Cy","k":"v"}}"#;
const VELA_BARE: &str = r#"{"org_id":"o","chat_data":{"session_id":"s","agent_id":"a1","start_time":"2024-01-15T10:30:00Z","end_time":"2024-01-15T10:45:00Z","messages":[{"timestamp":"2024-01-15T10:30:00Z","sender":"agent","content":"x"}]}}"#;
const LB_CHAT: &str = r#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[
  {"messageId":"message-0","timestampUsec":1530718491000000,"content":"I love &amp; iphone!","user":{"userId":"Bot 002","name":"Bot"},"align":"left","canLabel":false},
  {"messageId":"m1","timestampUsec":-1,"content":"Thats good","user":{"userId":"User 00686","name":"User"},"align":"right","canLabel":true},
  {"timestampUsec":1530718503000001,"content":"indent","user":{"userId":"B2","name":"Bee"},"align":"3-right-indent"},
  {"content":"no time","user":{"userId":"U3","name":"Other"},"align":"left"},
  {"messageId":"m4","timestampUsec":1530718504000000,"content":"again","user":{"userId":"User 00686"},"align":"right"}]}"#;
const LB_HUGE: &str = r#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[{"messageId":"a","timestampUsec":9223372036854775807,"content":"x","user":{"userId":"u","name":"n"},"align":"left","canLabel":true}]}"#;

/// A small deterministic generator (xorshift): the same corpus on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const TEXTS: &[&str] = &["", "a", "Hello", "&amp;", "&lt;b&gt;", "q\"uote", "back\\slash", "\u{1}\u{1f}", "tab\t\nnl", "é ü 😀", "&#39;x&#x41;", "</script>", "\u{2028}"];

/// A time `*at` seconds past 2023-01-01 (then moved on, mostly forward), in a random offset
/// and precision.
fn time(r: &mut Rng, at: &mut i64) -> String {
    let offs = [0, 3 * 3600, -1800, 14 * 3600, -12 * 3600];
    let nanos = [0, 500_000_000, 123_000_000, 123_456_000, 123_456_789, 1];
    let s = talk_uploader::formats::time::format_rfc3339(1_672_531_200 + *at, nanos[r.below(6) as usize], offs[r.below(5) as usize]).unwrap();
    *at += r.below(100_000) as i64 - 5_000;
    s
}

fn quoted(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => write!(o, "\\u{:04x}", c as u32).unwrap(),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A generated chat in `f` (valid, mostly), with SpeechSense metadata when `f` is SpeechSense.
fn generated(r: &mut Rng, f: ChatFormat) -> (String, Option<String>) {
    let n = 1 + r.below(5) as usize;
    let ids = ["1111", "2222", "3333", "1111", "2222", "4444"];
    let mut at = r.below(1_000_000) as i64;
    let start = time(r, &mut at);
    let mut msgs = Vec::new();
    for i in 0..n {
        let text = quoted(&format!("{}{}", r.pick(TEXTS), r.pick(TEXTS)));
        let t = time(r, &mut at);
        msgs.push(match f {
            SS => format!(r#"{{"user_id":{},"text":{text},"timestamp":"{t}"}}"#, if r.below(2) == 0 { quoted(r.pick(&ids)) } else { r.pick(&ids).to_owned() }),
            VELA => format!(r#"{{"timestamp":"{t}","sender":"{}","content":{text}}}"#, r.pick(&["agent", "customer", "bot", "zed"])),
            LB => {
                let mut m = format!(r#"{{"content":{text},"user":{{"userId":"{}","name":"N{i}"}},"align":"{}""#, r.pick(&ids), r.pick(&["left", "right", "right", "0-left-indent", "2-right-indent"]));
                if r.below(8) > 0 {
                    let us = (1_672_531_200 + at) * 1_000_000 + r.below(1_000_000) as i64;
                    at += 1;
                    write!(m, r#","timestampUsec":{}"#, if r.below(30) == 0 { -us } else { us }).unwrap();
                }
                write!(m, r#","messageId":"id{i}","canLabel":{}"#, r.below(3) > 0).unwrap();
                m.push('}');
                m
            }
        });
    }
    let msgs = msgs.join(",");
    match f {
        SS => {
            let mut meta = vec![format!(r#""operator_id":"1111","client_id":"2222","date":"{start}""#)];
            if r.below(2) == 0 {
                meta.push(r#""bot_id":"3333","bot_name":"Robo","operator_name":"Ann""#.to_owned());
            }
            if r.below(2) == 0 {
                meta.push(format!(r#""date_to":"{}","ticket_id":"t","extra":{}"#, time(r, &mut at), quoted(r.pick(TEXTS))));
            }
            (format!(r#"{{"messages":[{msgs}]}}"#), Some(format!("{{{}}}", meta.join(","))))
        }
        VELA => (
            format!(r#"{{"org_id":"o","chat_data":{{"session_id":"s","agent_id":"a","customer_id":"c","start_time":"{}","end_time":"{}","messages":[{msgs}]}}{}}}"#, start, time(r, &mut at), if r.below(2) == 0 { r#","metadata":{"bot_id":"B","k":"v"}"# } else { "" }),
            None,
        ),
        LB => (format!(r#"{{"type":"application/vnd.labelbox.conversational","version":1,"messages":[{msgs}]}}"#), None),
    }
}

fn render(out: &mut String, r: &ConvertResult) {
    writeln!(out, "ok={} truncated={}", r.ok, r.truncated).unwrap();
    writeln!(out, "output={}", r.output).unwrap();
    writeln!(out, "metadata={:?}", r.metadata).unwrap();
    for (what, list) in [("error", &r.errors), ("warning", &r.warnings)] {
        for i in list {
            writeln!(out, "{what} {} {:?} {:?} {:?} {:?}", i.code.as_str(), i.path, i.message, i.line, i.column).unwrap();
        }
    }
}

fn options(from: ChatFormat, to: ChatFormat, meta: Option<&str>, variant: usize) -> ConvertOptions {
    let mut o = ConvertOptions::new(from, to);
    o.metadata = meta.map(str::to_owned);
    if variant & 1 == 1 {
        o.org_id = Some("org".into());
        o.session_id = Some("sess".into());
    }
    if variant & 2 == 2 {
        o.roles.insert("Bot 002".into(), Role::Bot);
        o.roles.insert("1111".into(), Role::Agent);
    }
    o.max_issues = [0, 1, 2, 3][variant >> 2];
    o
}

/// One case: its header, what it gave, and whether the golden file holds only a hash of it.
struct Case {
    head: String,
    got: String,
    hashed: bool,
}

fn case(cases: &mut Vec<Case>, head: String, r: &ConvertResult, hashed: bool) {
    let mut got = String::new();
    render(&mut got, r);
    cases.push(Case { head, got, hashed });
}

/// FNV-1a, 64 bits.
fn hash(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    let fixed: [(&str, ChatFormat, Option<&str>); 9] = [
        ("ss", SS, Some(META)),
        ("ss-odd", SS, Some(META_ODD)),
        ("ss-nometa", SS, None),
        ("vela", VELA, None),
        ("vela-bare", VELA, None),
        ("lb", LB, None),
        ("lb-huge", LB, None),
        ("lb-one", LB, None),
        ("lb-long", LB, None),
    ];
    let lb_one = r#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[{"messageId":"a","timestampUsec":1530718491000000,"content":"x","user":{"userId":"1111","name":"n"},"align":"right","canLabel":true}]}"#;
    let long = format!(r#"{{"type":"application/vnd.labelbox.conversational","version":1,"messages":[{{"timestampUsec":1,"content":"{}","user":{{"userId":"u","name":"n"}},"align":"left"}},{{"content":"{}","user":{{"userId":"v"}},"align":"right"}}]}}"#, "é".repeat(10_000), "x".repeat(9_999));
    for (name, from, meta) in fixed {
        let input = match name {
            "ss" | "ss-odd" | "ss-nometa" => SS_CHAT.to_owned(),
            "vela" => VELA_CHAT.to_owned(),
            "vela-bare" => VELA_BARE.to_owned(),
            "lb" => LB_CHAT.to_owned(),
            "lb-huge" => LB_HUGE.to_owned(),
            "lb-one" => lb_one.to_owned(),
            _ => long.clone(),
        };
        for to in FORMATS {
            for variant in 0..16 {
                let r = convert_chat(input.as_bytes(), &options(from, to, meta, variant));
                case(&mut cases, format!("== {name} {from:?}->{to:?} variant {variant}"), &r, name == "lb-long");
            }
        }
    }
    // Too many messages for Labelbox (with texts over its limit past it too).
    let mut many = String::from(r#"{"messages":["#);
    for i in 0..252 {
        if i > 0 {
            many.push(',');
        }
        write!(many, r#"{{"user_id":"1111","text":"{}","timestamp":"2023-01-01T00:00:{:02}Z"}}"#, if i == 251 { "y".repeat(10_000) } else { "t".to_owned() }, i % 60).unwrap();
    }
    many.push_str("]}");
    for variant in [0, 4, 8] {
        let r = convert_chat(many.as_bytes(), &options(SS, LB, Some(META), variant));
        case(&mut cases, format!("== many variant {variant}"), &r, false);
    }
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for k in 0..600 {
        let from = FORMATS[k % 3];
        let (input, meta) = generated(&mut r, from);
        for to in FORMATS {
            let variant = r.below(16) as usize;
            let r = convert_chat(input.as_bytes(), &options(from, to, meta.as_deref(), variant));
            case(&mut cases, format!("== gen {k} {from:?}->{to:?} variant {variant}\n{input}\n{meta:?}"), &r, true);
        }
    }
    cases
}

#[test]
fn conversion_output_is_byte_identical_to_the_golden_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/convert-golden.txt");
    let cases = corpus();
    // The file: each case's first header line, then its result (or the result's hash).
    let mut file = String::new();
    for c in &cases {
        let first = c.head.lines().next().unwrap_or("");
        if c.hashed { writeln!(file, "{first}\nhash {:016x}", hash(&c.got)) } else { writeln!(file, "{first}\n{}", c.got) }.unwrap();
    }
    if std::env::var_os("TALK_UPLOADER_GOLDEN_WRITE").is_some() {
        std::fs::write(path, &file).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path).unwrap();
    let mut want_cases = want.split("\n== ").map(|w| w.trim_start_matches("== "));
    for c in &cases {
        let w = want_cases.next().unwrap_or("(missing)");
        let first = c.head.lines().next().unwrap_or("").trim_start_matches("== ");
        let mine = if c.hashed { format!("{first}\nhash {:016x}\n", hash(&c.got)) } else { format!("{first}\n{}\n", c.got) };
        assert!(mine.trim_end() == w.trim_end(), "case {}\n--- golden\n{w}--- now\n{}", c.head, c.got);
    }
    assert!(want_cases.next().is_none(), "the golden file has more cases");
    // The corpus reaches the writers: most cases convert.
    let ok = cases.iter().filter(|c| c.got.starts_with("ok=true")).count();
    assert!(ok * 2 > cases.len(), "{ok} of {} cases convert", cases.len());
}
