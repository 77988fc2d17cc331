//! Compiles `proto/` into prost messages, and with the `tonic-client` feature a client-only
//! tonic client.
//!
//! `protox` is a pure-Rust protobuf compiler, so no system `protoc` is needed: the build is
//! hermetic on a bare machine. The server half lives in `devserver/build.rs`. Without the
//! feature no tonic code is generated: the package sends its calls through its own XHR engine.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(["yandex/cloud/speechsense/v1/talk_service.proto"], ["proto"])?;
    tonic_prost_build::configure()
        // BTreeMap, not HashMap: metadata maps then encode in key order, so the same upload
        // always produces the same bytes (reproducible bodies, comparable in tests and benches).
        .btree_map(".")
        .build_client(std::env::var_os("CARGO_FEATURE_TONIC_CLIENT").is_some())
        .build_server(false)
        .build_transport(false)
        .compile_fds(fds)?;
    Ok(())
}
