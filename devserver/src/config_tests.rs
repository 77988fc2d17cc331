use super::*;

fn parse(args: &[&str]) -> Result<Config, ConfigError> {
    Config::from_args(args.iter().map(|s| s.to_string()))
}

#[test]
fn defaults_are_good_for_the_demo() {
    let c = parse(&[]).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8787");
    assert_eq!(c.api_keys, vec![DEMO_API_KEY]);
    assert_eq!(c.connections.get("demo-chat"), Some(&ConnectionKind::Chat));
    assert!(c.faults.is_none());
    assert_eq!(c.serve_options(), crate::serve::ServeOptions::default());
}

#[test]
fn host_and_csp_flags_take_only_what_fits_their_header() {
    let c = parse(&["--allow-host", "devbox.lan:8787", "--csp-connect-src", "http://127.0.0.1:8790"]).unwrap();
    assert_eq!(c.allow_hosts, vec!["devbox.lan:8787"]);
    assert_eq!(c.csp_connect_src, vec!["http://127.0.0.1:8790"]);
    // CSP's own port wildcard: a gateway on a port picked at start-up.
    assert!(parse(&["--csp-connect-src", "http://127.0.0.1:*"]).is_ok());
    for bad in [&["--allow-host", "devbox.lan"][..], &["--allow-host", "a b:1"], &["--csp-connect-src", "127.0.0.1:8790"],
        &["--csp-connect-src", "http://x; script-src *"], &["--csp-connect-src", "http://x/path"], &["--csp-connect-src", "javascript://x"]] {
        let e = parse(bad).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains(bad[0]), "{bad:?}: {e}");
    }
}

#[test]
fn timeouts_are_flags_and_zero_turns_them_off() {
    let c = parse(&["--header-read-timeout-secs", "2", "--idle-timeout-secs", "0"]).unwrap();
    let o = c.serve_options();
    assert_eq!(o.header_read_timeout, Some(std::time::Duration::from_secs(2)));
    assert_eq!(o.idle_timeout, None);
    let e = parse(&["--idle-timeout-secs", "soon"]).unwrap_err().to_string();
    assert!(e.contains("--idle-timeout-secs"), "{e}");
}

#[test]
fn stable_flags_parse() {
    let c = parse(&[
        "--listen", "127.0.0.1:0", "--data-dir", "/tmp/x", "--api-key", "k1", "--api-key", "k2",
        "--iam-token", "t", "--connection", "c1=chat", "--connection", "c2=audio-two-channel",
    ])
    .unwrap();
    assert_eq!(c.api_keys, vec!["k1", "k2"]);
    assert_eq!(c.iam_tokens, vec!["t"]);
    assert_eq!(c.connections.len(), 2);
    assert_eq!(c.connections["c2"], ConnectionKind::AudioTwoChannel);
}

#[test]
fn mistakes_name_the_flag() {
    let e = parse(&["--connection", "x=video"]).unwrap_err().to_string();
    assert!(e.contains("--connection"), "{e}");
    assert!(parse(&["--api-key"]).unwrap_err().to_string().contains("--api-key"));
    assert!(matches!(parse(&["--nope"]), Err(ConfigError::Cli(e)) if e.kind() == clap::error::ErrorKind::UnknownArgument));
    let e = parse(&["--fault-schedule", "fail,maybe"]).unwrap_err().to_string();
    assert!(e.contains("--fault-schedule") && e.contains("maybe"), "{e}");
    assert!(parse(&["--fault-mode", "slow"]).unwrap_err().to_string().contains("--fault-mode"));
    let e = parse(&["--tls-cert", "c.pem"]).unwrap_err().to_string();
    assert!(e.contains("--tls-key"), "{e}");
    assert!(parse(&["--tls-cert", "c.pem", "--tls-key", "k.pem"]).unwrap().tls.is_some());
    // Mistakes exit 2, help exits 0 (clap's codes, which main uses).
    let Err(ConfigError::Cli(e)) = parse(&["--listen", "nowhere"]) else { panic!() };
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("expected IP:PORT"), "{e}");
    let Err(ConfigError::Cli(e)) = parse(&["--help"]) else { panic!() };
    assert_eq!((e.kind(), e.exit_code()), (clap::error::ErrorKind::DisplayHelp, 0));
}

#[test]
fn fault_schedules_name_each_request() {
    let f = parse(&["--fault-schedule", "fail,ok,..."]).unwrap().faults.unwrap();
    let fails: Vec<bool> = (0..6).map(|n| f.at(n).is_some()).collect();
    assert_eq!(fails, [true, false, true, false, true, false]);
    assert_eq!(f.at(0), Some(FaultMode::Http503));
    let f = parse(&["--fault-schedule", "ok, reset ,stall", "--fault-mode", "stall"]).unwrap().faults.unwrap();
    assert_eq!((0..5).map(|n| f.at(n)).collect::<Vec<_>>(), [None, Some(FaultMode::Reset), Some(FaultMode::Stall), None, None]);
    let f = parse(&["--fault-schedule", "fail,...", "--fault-mode", "stall"]).unwrap().faults.unwrap();
    assert!((0..100).all(|n| f.at(n) == Some(FaultMode::Stall)));
    assert!(parse(&[]).unwrap().faults.is_none());
    for bad in ["", "...", "fail,...,ok", "fail;ok"] {
        assert!(parse(&["--fault-schedule", bad]).is_err(), "{bad:?}");
    }
}

/// The command line is a stable interface: every flag is still there, in the help too.
#[test]
fn help_lists_every_flag_and_the_defaults() {
    let help = Config::help();
    for flag in ["--listen", "--data-dir", "--api-key", "--iam-token", "--connection", "--cors-origin", "--s3-listen",
        "--s3-bucket", "--s3-max-skew-secs", "--s3-endpoint", "--s3-access-key", "--s3-secret-key", "--s3-region",
        "--presign-expires-secs", "--presign-max-bytes", "--vela-minutes", "--www-dir", "--pkg-dir", "--tls-cert",
        "--tls-key", "--fault-schedule", "--fault-mode", "--fault-grpc", "--header-read-timeout-secs",
        "--idle-timeout-secs", "--allow-host", "--csp-connect-src"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    for default in ["127.0.0.1:8787", "127.0.0.1:8788", ".devserver-data", "talk-uploads", "5368709120", "demo-api-key"] {
        assert!(help.contains(default), "{default} missing from --help");
    }
    let c = parse(&[]).unwrap();
    assert_eq!((c.s3_max_skew_secs, c.presign_expires_secs, c.presign_max_bytes, c.vela_minutes_per_org), (900, 3600, 5 << 30, 600));
    assert_eq!((c.header_read_timeout_secs, c.idle_timeout_secs, c.s3_bucket.as_str()), (30, 75, "talk-uploads"));
    assert_eq!(c.connections.len(), 3);
}

#[test]
fn debug_never_prints_secrets() {
    let c = parse(&["--api-key", "SECRET1", "--s3-endpoint", "http://x", "--s3-access-key", "A",
        "--s3-secret-key", "SECRET2"]).unwrap();
    let d = format!("{c:?}");
    assert!(!d.contains("SECRET1") && !d.contains("SECRET2"), "{d}");
}

#[test]
fn loopback_origins() {
    assert!(is_loopback_origin("http://127.0.0.1:5173"));
    assert!(is_loopback_origin("http://localhost"));
    assert!(is_loopback_origin("http://[::1]:8080"));
    assert!(!is_loopback_origin("http://127.0.0.1.evil.com"));
    assert!(!is_loopback_origin("https://example.com"));
    assert!(!is_loopback_origin("null"));
    // The package's rule (web/endpoint.rs): what it lets use plain http:, CORS lets in.
    assert!(is_loopback_origin("http://127.0.0.2:3000"));
    assert!(is_loopback_origin("http://app.localhost:5173"));
    assert!(!is_loopback_origin("http://localhost.evil.com"));
    assert!(!is_loopback_origin("http://evil.com@127.0.0.1"));
    for origin in ["http://127.0.0.1:5173", "http://127.0.0.2", "http://app.localhost:1", "http://[::1]:8080",
        "http://localhost", "http://10.0.0.1", "http://127.0.0.1.evil.com", "http://localhostx", "http://127.1"] {
        let package = talk_uploader::web::endpoint::check_endpoint("endpoint", origin).is_ok();
        assert_eq!(is_loopback_origin(origin), package, "{origin}");
    }
}
