#!/usr/bin/env python3
"""Regenerates tests/fixtures/boto3_presigned_post.json: boto3's generate_presigned_post for
fixed inputs and a frozen clock. tests/s3_presign_boto3.rs checks that devserver's own presigner
(src/sigv4.rs) produces the same url and fields, byte for byte.

    python3 devserver/tests/boto3_presign_fixture.py     # pip install boto3 if missing

The credentials below are test values, not secrets.
"""

import datetime
import json
import os
import sys

try:
    import boto3
    import botocore
    import botocore.auth
    import botocore.signers
    from botocore.config import Config
except ImportError:  # pragma: no cover
    import subprocess

    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "boto3"])
    import boto3
    import botocore
    import botocore.auth
    import botocore.signers
    from botocore.config import Config

CASES = [
    {
        "name": "embedded-defaults",
        "endpoint": "http://127.0.0.1:8788",
        "access_key": "devserver-access-key",
        "secret_key": "devserver-secret-key",
        "region": "us-east-1",
        "bucket": "talk-uploads",
        "key": "org-1/0123456789abcdef.wav",
        "now": "2024-05-06T07:08:09Z",
        "expires_in": 3600,
        "fields": {},
        "conditions": [["starts-with", "$key", "org-1/"], ["content-length-range", 1, 1073741824]],
    },
    {
        "name": "minio-with-content-type-and-escaping",
        "endpoint": "http://localhost:9000",
        "access_key": "minioadmin",
        "secret_key": "minio/secret+key=",
        "region": "eu-west-1",
        "bucket": "calls",
        "key": "org \"2\"/caf\u00e9 \U0001F600.mp3",
        "now": "2025-12-31T23:59:59Z",
        "expires_in": 60,
        "fields": {"Content-Type": "audio/mpeg"},
        "conditions": [
            ["starts-with", "$key", "org \"2\"/"],
            ["content-length-range", 1, 5368709120],
            {"Content-Type": "audio/mpeg"},
        ],
    },
]


def run(case):
    now = datetime.datetime.strptime(case["now"], "%Y-%m-%dT%H:%M:%SZ")
    frozen = lambda *a, **k: now  # noqa: E731
    # botocore reads the clock in two places: the policy expiration and x-amz-date.
    botocore.signers.get_current_datetime = frozen
    botocore.auth.get_current_datetime = frozen
    s3 = boto3.client(
        "s3",
        endpoint_url=case["endpoint"],
        aws_access_key_id=case["access_key"],
        aws_secret_access_key=case["secret_key"],
        region_name=case["region"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    post = s3.generate_presigned_post(
        Bucket=case["bucket"],
        Key=case["key"],
        Fields=dict(case["fields"]),
        Conditions=[list(c) if isinstance(c, list) else dict(c) for c in case["conditions"]],
        ExpiresIn=case["expires_in"],
    )
    out = dict(case)
    out["expected"] = {"url": post["url"], "fields": post["fields"]}
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "fixtures", "boto3_presigned_post.json")
    doc = {
        "generator": "tests/boto3_presign_fixture.py",
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "cases": [run(c) for c in CASES],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
