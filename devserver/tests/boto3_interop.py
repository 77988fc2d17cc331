#!/usr/bin/env python3
"""boto3 against the embedded S3 server: a form from boto3's generate_presigned_post is accepted,
and signed GET, presigned GET and signed PUT work, byte-exact. Starts the devserver binary itself
(port 0, temporary data dir) and stops it at the end.

    cargo build -p devserver && python3 devserver/tests/boto3_interop.py [path/to/devserver]

Needs boto3 and requests (pip install boto3 requests).
"""

import json
import os
import subprocess
import sys
import tempfile

import boto3
import requests
from botocore.config import Config


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "target", "debug", "devserver")
    with tempfile.TemporaryDirectory() as data:
        proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0", "--data-dir", data],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            s3addr = json.loads(proc.stdout.readline())["s3"]
            s3 = boto3.client(
                "s3",
                endpoint_url=f"http://{s3addr}",
                aws_access_key_id="devserver-access-key",
                aws_secret_access_key="devserver-secret-key",
                region_name="us-east-1",
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
            )
            data_bytes = os.urandom(5 << 20)
            post = s3.generate_presigned_post(
                "talk-uploads", "org-9/boto.bin",
                Conditions=[["content-length-range", 1, 10 << 20]], ExpiresIn=300,
            )
            r = requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", data_bytes)}, timeout=60)
            assert r.status_code == 204, (r.status_code, r.text)
            got = s3.get_object(Bucket="talk-uploads", Key="org-9/boto.bin")["Body"].read()
            assert got == data_bytes, "signed GET differs"
            url = s3.generate_presigned_url("get_object", Params={"Bucket": "talk-uploads", "Key": "org-9/boto.bin"})
            assert requests.get(url, timeout=60).content == data_bytes, "presigned GET differs"
            # A form widened after boto3 signed it is refused.
            bad = dict(post["fields"], key="other/boto.bin")
            r = requests.post(post["url"], data=bad, files={"file": ("f.bin", b"x")}, timeout=60)
            assert 400 <= r.status_code < 500 and "<Code>" in r.text, (r.status_code, r.text)
            s3.put_object(Bucket="talk-uploads", Key="org-9/put.bin", Body=b"abc")
            assert s3.get_object(Bucket="talk-uploads", Key="org-9/put.bin")["Body"].read() == b"abc"
            print("4 passed, 0 failed")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
