"""Wire check: a plain Python grpcio client, generated from the independent proto in
tests/wire/proto/, calls the devserver's UploadText over HTTP/2 with `Api-Key` auth, then reads
the stored talk back through the HTTP API.

Usage: python grpcio_upload_text.py HOST:PORT API_KEY
"""
import importlib
import json
import os
import sys
import tempfile
import urllib.request

import grpc
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(out_dir):
    import grpc_tools

    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    rc = protoc.main([
        "protoc",
        f"-I{os.path.join(HERE, 'proto')}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        os.path.join(HERE, "proto", "speechsense_upload_text.proto"),
    ])
    if rc != 0:
        raise SystemExit(f"protoc failed with {rc}")
    sys.path.insert(0, out_dir)
    return (importlib.import_module("speechsense_upload_text_pb2"),
            importlib.import_module("speechsense_upload_text_pb2_grpc"))


def main():
    target, api_key = sys.argv[1], sys.argv[2]
    failures = 0
    with tempfile.TemporaryDirectory() as out:
        pb, pb_grpc = generate(out)
        from google.protobuf.timestamp_pb2 import Timestamp

        ts = Timestamp()
        ts.FromJsonString("2023-09-13T17:30:00.123Z")
        req = pb.UploadTextRequest(
            metadata=pb.TalkMetadata(
                connection_id="test-chat",
                fields={
                    "operator_name": "Ann", "operator_id": "1", "client_name": "Cid", "client_id": "2",
                    "bot_name": "B", "bot_id": "3", "date": "2023-09-13T17:30:00.000Z",
                    "direction_outgoing": "true", "language": "ru-RU",
                },
                users=[pb.UserMetadata(id="1", role=pb.USER_ROLE_OPERATOR, fields={"team": "a"})],
            ),
            text_content=pb.TextContent(messages=[
                pb.Message(user_id="2", timestamp=ts, text=pb.TextPayload(text="grpcio says hi")),
            ]),
        )
        with grpc.insecure_channel(target) as channel:
            stub = pb_grpc.TalkServiceStub(channel)
            resp = stub.UploadText(req, metadata=(("authorization", f"Api-Key {api_key}"),), timeout=10)
            with urllib.request.urlopen(f"http://{target}/api/talks/{resp.talk_id}", timeout=10) as r:
                talk = json.load(r)
            checks = {
                "method": talk["method"] == "UploadText",
                "fields": talk["fields"]["language"] == "ru-RU" and len(talk["fields"]) == 9,
                "users": talk["users"] == [{"id": "1", "role": "USER_ROLE_OPERATOR", "fields": {"team": "a"}}],
                "message": talk["messages"] == [
                    {"userId": "2", "timestamp": "2023-09-13T17:30:00.123Z", "text": "grpcio says hi"}],
            }
            for name, ok in checks.items():
                print(f"{'ok' if ok else 'FAIL'}: grpcio UploadText {name}")
                failures += 0 if ok else 1
            try:
                stub.UploadText(req, metadata=(("authorization", "Api-Key wrong"),), timeout=10)
                print("FAIL: grpcio UploadText with a wrong key was accepted")
                failures += 1
            except grpc.RpcError as e:
                ok = e.code() == grpc.StatusCode.UNAUTHENTICATED
                print(f"{'ok' if ok else 'FAIL'}: grpcio wrong key -> {e.code().name}")
                failures += 0 if ok else 1
    print(f"{4 + 1 - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
