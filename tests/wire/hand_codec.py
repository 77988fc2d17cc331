"""Wire check of the package's hand protobuf encoder (src/pb, src/grpc_web/message.rs: what the
wasm sends instead of prost's encoding): every frame printed by `examples/upload_text_frames.rs`
is parsed by protobuf's own Python runtime from the independent proto in tests/wire/proto/. Its
values must be the ones that went in, and the metadata map entries must be on the wire in the
byte order of their keys (read with a small wire walker below), as prost writes a BTreeMap.

Where both rules agree, protobuf's deterministic serialization must give back the same bytes.
They differ in two places, where the encoder follows prost (the Rust tests compare it with
prost byte for byte): upb writes empty keys and values inside a map entry, prost leaves them
out; and upb's deterministic order puts a key after the longer keys it is a prefix of ("key-1"
after "key-100"), prost puts it before.

Usage: cargo run --example upload_text_frames | python hand_codec.py
"""
import json
import sys
import tempfile

from grpcio_upload_text import generate


def fields_of(buf):
    """(field number, wire type, value) of each field of a message, in wire order; the value of
    a length-delimited field is its bytes."""
    out, i = [], 0

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            b = buf[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    while i < len(buf):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out.append((field, wire, varint()))
        elif wire == 2:
            n = varint()
            out.append((field, wire, buf[i:i + n]))
            i += n
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return out


def wire_keys(body):
    """The metadata map keys of an UploadTextRequest body, in wire order."""
    metadata = [v for f, w, v in fields_of(body) if f == 1 and w == 2]
    keys = []
    for m in metadata:
        for f, w, entry in fields_of(m):
            if f == 2 and w == 2:
                keys.append(b"".join(v for kf, kw, v in fields_of(entry) if kf == 1 and kw == 2))
    return keys


def main():
    failures = 0
    count = 0
    byte_checked = 0
    with tempfile.TemporaryDirectory() as out:
        pb, _ = generate(out)
        for line in sys.stdin:
            case = json.loads(line)
            count += 1
            frame = bytes.fromhex(case["frame"])
            length = int.from_bytes(frame[1:5], "big")
            body = frame[5:]
            req = pb.UploadTextRequest()
            req.ParseFromString(body)
            got_messages = [
                {"user_id": m.user_id, "seconds": m.timestamp.seconds, "nanos": m.timestamp.nanos, "text": m.text.text}
                for m in req.text_content.messages
            ]
            checks = {
                "frame prefix": frame[0] == 0 and length == len(body),
                "connection_id": req.metadata.connection_id == case["connection_id"],
                "fields": dict(req.metadata.fields) == case["fields"],
                "no users, no talk_id": len(req.metadata.users) == 0 and req.talk_id == "",
                "present messages": req.HasField("metadata") and req.HasField("text_content")
                and all(m.HasField("timestamp") and m.HasField("text") for m in req.text_content.messages),
                "messages": got_messages == case["messages"],
                "entries in key byte order": wire_keys(body) == sorted(k.encode() for k in case["fields"]),
            }
            keys = list(case["fields"])
            upb_agrees = all(k and v for k, v in case["fields"].items()) and not any(
                a != b and b.startswith(a) for a in keys for b in keys)
            if upb_agrees:
                checks["bytes"] = req.SerializeToString(deterministic=True) == body
                byte_checked += 1
            for name, ok in checks.items():
                if not ok:
                    print(f"FAIL: frame {count} ({len(body)} bytes): {name}")
                    failures += 1
    if count == 0 or byte_checked == 0:
        print("FAIL: no frames on stdin, or none whose bytes protobuf's serializer can check")
        failures += 1
    print(f"{count} hand-encoded UploadTextRequest frames checked by Python protobuf "
          f"({byte_checked} re-serialized byte for byte), {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
