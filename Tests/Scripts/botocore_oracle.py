#!/usr/bin/env python3
"""botocore as the byte-for-byte oracle for UploadEdge's SigV4 presigning.

  botocore_oracle.py generate --count N --seed S   JSON lines: each case's inputs and botocore's presigned output
  botocore_oracle.py verify-post FILE              checks {policy, signature, ...} lines with botocore's signer
  botocore_oracle.py bench --seconds T             presigned PUT URLs and POST policies per second

Cases are random but reproducible from the seed: keys with spaces, unicode (combining marks, emoji), every
reserved character and '//'; regions; endpoint styles; session tokens; expiries; content types; SSE-KMS; metadata.
"""
import argparse
import datetime
import json
import random
import sys
import time
from unittest import mock

import botocore.auth
import botocore.credentials
import botocore.signers
import botocore.session
from botocore.config import Config

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2", "sa-east-1", "me-south-1"]
STYLES = ["virtual", "path", "accelerate", "accelerate-dualstack", "custom"]
KEY_PIECES = [
    "uploads/", "a b", "ü", "e\u0301", "😀", "👩‍👩‍👧", "日本語", "//", "/./", "/../", "+", "%", "%2B", "~", "!", "*", "'",
    "(", ")", ";", ":", "@", "&", "=", "$", ",", "?", "#", "[", "]", "{", "}", "^", "`", "|", "\\", "<", ">", '"',
    "-", "_", ".", "photo.jpg", "x", "Résumé", "\t", "ß", "ﬁ",
]
TOKENS = [
    "FwoGZXIvYXdzEPT//////////wEaDEXAMPLE+token/with=padding==",
    "IQoJb3JpZ2luX2VjEXAMPLEtoken+2/3==",
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI",
]
CONTENT_TYPES = [None, "image/png", "image/jpeg", "application/pdf", "text/plain; charset=utf-8", "image/svg+xml"]


def random_key(rng):
    key = "".join(rng.choice(KEY_PIECES) for _ in range(rng.randint(1, 8)))
    return key if key.strip() else "k"


_sessions = {}
_clients = {}


def client(case):
    """A client for the case's style, region and token; built once and reused (building one takes ~100 ms)."""
    cache_key = (case["style"], case["region"], case.get("sessionToken"))
    if cache_key in _clients:
        return _clients[cache_key]
    token = case.get("sessionToken")
    if token not in _sessions:
        session = botocore.session.get_session()
        session.set_credentials(ACCESS_KEY, SECRET_KEY, token)
        _sessions[token] = session
    session = _sessions[token]
    s3 = {"us_east_1_regional_endpoint": "regional"}
    endpoint_url = None
    style = case["style"]
    if style == "virtual":
        s3["addressing_style"] = "virtual"
    elif style in ("path", "custom"):
        s3["addressing_style"] = "path"
        if style == "custom":
            endpoint_url = "http://127.0.0.1:4566"
    else:
        s3["use_accelerate_endpoint"] = True
        s3["addressing_style"] = "virtual"
    config = Config(signature_version="s3v4", s3=s3, use_dualstack_endpoint=style == "accelerate-dualstack")
    created = session.create_client("s3", region_name=case["region"], endpoint_url=endpoint_url, config=config)
    _clients[cache_key] = created
    return created


class frozen:
    """Fixes botocore's clock: the signing time (botocore.auth) and a POST policy's expiration (botocore.signers)."""

    def __init__(self, amz_date):
        moment = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        self.patches = [
            mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment),
            mock.patch.object(botocore.signers, "get_current_datetime", return_value=moment),
        ]

    def __enter__(self):
        for patch in self.patches:
            patch.start()

    def __exit__(self, *exc):
        for patch in self.patches:
            patch.stop()


def presign(case):
    c = client(case)
    with frozen(case["date"]):
        if case["operation"] == "post":
            fields = {}
            # botocore adds the bucket, key and x-amz-* conditions itself.
            conditions = []
            if case.get("contentType"):
                fields["Content-Type"] = case["contentType"]
                conditions.append({"Content-Type": case["contentType"]})
            if case.get("kmsKeyId"):
                fields["x-amz-server-side-encryption"] = "aws:kms"
                fields["x-amz-server-side-encryption-aws-kms-key-id"] = case["kmsKeyId"]
                conditions.append({"x-amz-server-side-encryption": "aws:kms"})
                conditions.append({"x-amz-server-side-encryption-aws-kms-key-id": case["kmsKeyId"]})
            for name, value in sorted(case.get("metadata", {}).items()):
                fields["x-amz-meta-" + name] = value
                conditions.append({"x-amz-meta-" + name: value})
            if case.get("maxBytes"):
                conditions.append(["content-length-range", case["minBytes"], case["maxBytes"]])
            result = c.generate_presigned_post(
                case["bucket"], case["key"], Fields=fields, Conditions=conditions, ExpiresIn=case["expires"]
            )
            return {"url": result["url"], "fields": result["fields"]}
        params = {"Bucket": case["bucket"], "Key": case["key"]}
        if case["operation"] == "put":
            if case.get("contentType"):
                params["ContentType"] = case["contentType"]
            if case.get("kmsKeyId"):
                params["ServerSideEncryption"] = "aws:kms"
                params["SSEKMSKeyId"] = case["kmsKeyId"]
            if case.get("metadata"):
                params["Metadata"] = case["metadata"]
        operation = "put_object" if case["operation"] == "put" else "get_object"
        return {"url": c.generate_presigned_url(operation, Params=params, ExpiresIn=case["expires"])}


def generate(count, seed):
    rng = random.Random(seed)
    for index in range(count):
        style = STYLES[index % len(STYLES)]
        operation = ["put", "get", "post"][index % 3]
        bucket = rng.choice(["upload-edge-uploads", "my-bucket-123", "a-b-c"])
        case = {
            "id": index,
            "operation": operation,
            "style": style,
            "region": rng.choice(REGIONS),
            "bucket": bucket,
            "key": random_key(rng),
            "expires": rng.choice([1, 60, 300, 3600, 86400, 604800]),
            "date": "2026%02d%02dT%02d%02d%02dZ"
            % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)),
        }
        if rng.random() < 0.4:
            # A few tokens, with characters that need encoding, so clients can be reused.
            case["sessionToken"] = rng.choice(TOKENS)
        if operation != "get":
            content_type = rng.choice(CONTENT_TYPES)
            if content_type:
                case["contentType"] = content_type
            if rng.random() < 0.3:
                case["kmsKeyId"] = rng.choice(["alias/upload-edge", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"])
            if rng.random() < 0.3:
                case["metadata"] = {"owner": "7d8e9f10-1a2b", "source": rng.choice(["web", "cli"])}
        if operation == "post":
            if rng.random() < 0.5:
                case["key"] = "uploads/" + str(index) + "/${filename}"
            if rng.random() < 0.7:
                case["minBytes"] = rng.choice([0, 1])
                case["maxBytes"] = rng.choice([1, 1024, 10485760, 5368709120])
        case["botocore"] = presign(case)
        print(json.dumps(case, ensure_ascii=False))


def verify_post(path):
    """Recomputes each POST policy signature with botocore's S3SigV4PostAuth.signature (its key derivation and
    HMAC), for the same date, region and credentials."""
    failures = 0
    total = 0
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        item = json.loads(line)
        total += 1
        credentials = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY, item.get("sessionToken"))
        auth = botocore.auth.S3SigV4PostAuth(credentials, "s3", item["region"])
        request = mock.Mock()
        request.context = {"timestamp": item["date"]}
        expected = auth.signature(item["policy"], request)
        if expected != item["signature"]:
            failures += 1
            print("MISMATCH", item["id"], expected, item["signature"])
    print(json.dumps({"verified": total - failures, "failed": failures}))
    return 1 if failures or total == 0 else 0


def bench(seconds):
    case = {"style": "virtual", "region": "eu-west-1", "bucket": "upload-edge-uploads", "key": "uploads/u/x/photo.png"}
    c = client(case)
    results = {}
    for name, call in (
        ("put", lambda: c.generate_presigned_url("put_object", Params={"Bucket": case["bucket"], "Key": case["key"], "ContentType": "image/png"}, ExpiresIn=300)),
        ("post", lambda: c.generate_presigned_post(case["bucket"], case["key"], Fields={"Content-Type": "image/png"}, Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, 10485760]], ExpiresIn=300)),
    ):
        for _ in range(200):
            call()
        count = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(100):
                call()
            count += 100
        elapsed = time.perf_counter() - start
        results[name] = {"perSecond": count / elapsed, "microseconds": elapsed / count * 1e6}
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--count", type=int, default=1200)
    g.add_argument("--seed", type=int, default=20261125)
    v = sub.add_parser("verify-post")
    v.add_argument("file")
    b = sub.add_parser("bench")
    b.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.count, args.seed)
    elif args.command == "verify-post":
        sys.exit(verify_post(args.file))
    else:
        bench(args.seconds)


if __name__ == "__main__":
    main()
