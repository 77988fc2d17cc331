//! Generates the tonic server (and, for the tests, a transport client) for `TalkService` from the
//! shared `proto/` one directory up. The messages themselves are not generated again: they are
//! the `talk_uploader::proto` types (`extern_path`), so the server and the browser package share
//! one definition of every wire type.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../proto");
    let fds = protox::compile(["yandex/cloud/speechsense/v1/talk_service.proto"], ["../proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .extern_path(".yandex.cloud.speechsense.v1", "::talk_uploader::proto::speechsense")
        .extern_path(".yandex.cloud.operation", "::talk_uploader::proto::yandex::cloud::operation")
        .extern_path(".google.rpc", "::talk_uploader::proto::google::rpc")
        .compile_fds(fds)?;
    Ok(())
}
