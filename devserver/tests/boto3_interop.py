#!/usr/bin/env python3
"""boto3 against the embedded S3 server: a form from boto3's generate_presigned_post is accepted,
and signed GET, presigned GET and signed PUT work, byte-exact; keys with `..`, `.` or empty
segments are refused on every signed path (InvalidArgument). Starts the devserver binary itself
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
from botocore.exceptions import ClientError


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
            # Keys that would leave their prefix are refused on every signed path, writes and
            # reads alike, with InvalidArgument, and nothing lands outside org-9/.
            bucket = "talk-uploads"
            traversals = [
                ("PUT ..", lambda: s3.put_object(Bucket=bucket, Key="org-9/../org-8/put.bin", Body=b"x")),
                ("PUT .", lambda: s3.put_object(Bucket=bucket, Key="org-9/./put2.bin", Body=b"x")),
                ("PUT //", lambda: s3.put_object(Bucket=bucket, Key="org-9//put3.bin", Body=b"x")),
                ("copy to ..", lambda: s3.copy_object(Bucket=bucket, Key="org-9/../org-8/copy.bin",
                                                      CopySource={"Bucket": bucket, "Key": "org-9/put.bin"})),
                ("copy from ..", lambda: s3.copy_object(Bucket=bucket, Key="org-9/copy.bin",
                                                        CopySource={"Bucket": bucket, "Key": "org-8/../org-9/put.bin"})),
                ("multipart ..", lambda: s3.create_multipart_upload(Bucket=bucket, Key="org-9/../org-8/mp.bin")),
                ("GET ..", lambda: s3.get_object(Bucket=bucket, Key="org-8/../org-9/put.bin")),
                ("delete ..", lambda: s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "org-9/../org-9/put.bin"}]})),
            ]
            for what, call in traversals:
                try:
                    call()
                except ClientError as e:
                    code = e.response["Error"]["Code"]
                    assert code == "InvalidArgument", (what, code, e.response["Error"])
                else:
                    raise AssertionError(f"{what}: accepted")
            stored = sorted(os.path.relpath(os.path.join(d, f), os.path.join(data, "s3", bucket))
                            for d, _, fs in os.walk(os.path.join(data, "s3", bucket)) for f in fs)
            assert stored == ["org-9/boto.bin", "org-9/put.bin"], stored
            print(f"{4 + len(traversals)} passed, 0 failed")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
