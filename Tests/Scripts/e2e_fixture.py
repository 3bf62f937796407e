"""Sets up the real services of the end-to-end upload tests and reads back what landed.

    e2e_fixture.py cognito --endpoint http://127.0.0.1:5000
        A moto user pool with an app client, alice (in the group uploaders) and bob (in no group), both signed in
        with USER_PASSWORD_AUTH: prints {"poolId", "clientId", "issuer", "jwksURL", "alice": {...}, "bob": {...}}.

    e2e_fixture.py storage --endpoint http://127.0.0.1:4566 --bucket NAME
        A LocalStack bucket and a KMS key: prints {"bucket", "kmsKeyId", "kmsKeyArn"}.

    e2e_fixture.py head --endpoint http://127.0.0.1:4566 --bucket NAME --key KEY
        The object's HEAD as JSON: {"exists", "size", "contentType", "metadata", "sse", "kmsKeyId", "checksumSHA256"}.

    e2e_fixture.py uploads --endpoint http://127.0.0.1:4566 --bucket NAME
        The bucket's multipart uploads in progress: prints {"uploads": [KEY, ...]}.

    e2e_fixture.py iam-user --endpoint http://127.0.0.1:PORT
        An IAM user allowed s3:* and its access key, in exactly three IAM actions: run it first against a moto_server
        started with INITIAL_NO_AUTH_ACTION_COUNT=3, after which moto checks every request's signature. Prints
        {"accessKeyId", "secretAccessKey"}.

    e2e_fixture.py bucket --endpoint URL --bucket NAME --access-key ID --secret-key SECRET
        Creates a bucket, signed with the given key: prints {"bucket"}.

Every service is on 127.0.0.1 and takes the credentials test/test, unless a key is given.
"""

import argparse
import json
import sys

import boto3
import botocore.config
import botocore.exceptions

REGION = "eu-west-1"


def client(service, endpoint, access_key="test", secret_key="test"):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=botocore.config.Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"}),
    )


def cognito(args):
    idp = client("cognito-idp", args.endpoint)
    pool = idp.create_user_pool(PoolName="upload-edge-e2e")["UserPool"]["Id"]
    app = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.create_group(GroupName="uploaders", UserPoolId=pool)
    users = {}
    for name, groups in (("alice", ["uploaders"]), ("bob", [])):
        password = "Correct-horse-1!"
        idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS", TemporaryPassword=password)
        idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=password, Permanent=True)
        for group in groups:
            idp.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName=group)
        tokens = idp.initiate_auth(
            ClientId=app,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": password},
        )["AuthenticationResult"]
        user = idp.admin_get_user(UserPoolId=pool, Username=name)
        sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
        users[name] = {"sub": sub, "idToken": tokens["IdToken"], "accessToken": tokens["AccessToken"]}
    print(
        json.dumps(
            {
                "poolId": pool,
                "clientId": app,
                "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
                "jwksURL": f"{args.endpoint}/{pool}/.well-known/jwks.json",
                **users,
            }
        )
    )


def storage(args):
    s3 = client("s3", args.endpoint)
    s3.create_bucket(Bucket=args.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    key = client("kms", args.endpoint).create_key(Description="upload-edge e2e")["KeyMetadata"]
    print(json.dumps({"bucket": args.bucket, "kmsKeyId": key["KeyId"], "kmsKeyArn": key["Arn"]}))


def iam_user(args):
    iam = client("iam", args.endpoint)
    iam.create_user(UserName="upload-edge-validator")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="upload-edge-validator", PolicyName="s3", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="upload-edge-validator")["AccessKey"]
    print(json.dumps({"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}))


def bucket(args):
    s3 = client("s3", args.endpoint, args.access_key, args.secret_key)
    s3.create_bucket(Bucket=args.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    print(json.dumps({"bucket": args.bucket}))


def head(args):
    s3 = client("s3", args.endpoint)
    try:
        response = s3.head_object(Bucket=args.bucket, Key=args.key, ChecksumMode="ENABLED")
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            print(json.dumps({"exists": False}))
            return
        raise
    print(
        json.dumps(
            {
                "exists": True,
                "size": response["ContentLength"],
                "contentType": response.get("ContentType"),
                "metadata": response.get("Metadata", {}),
                "sse": response.get("ServerSideEncryption"),
                "kmsKeyId": response.get("SSEKMSKeyId"),
                "checksumSHA256": response.get("ChecksumSHA256"),
            }
        )
    )


def uploads(args):
    s3 = client("s3", args.endpoint)
    listing = s3.list_multipart_uploads(Bucket=args.bucket)
    print(json.dumps({"uploads": [upload["Key"] for upload in listing.get("Uploads", [])]}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("cognito", "storage", "head", "uploads", "iam-user", "bucket"):
        command = commands.add_parser(name)
        command.add_argument("--endpoint", required=True)
        if name in ("storage", "head", "uploads", "bucket"):
            command.add_argument("--bucket", required=True)
        if name == "head":
            command.add_argument("--key", required=True)
        if name == "bucket":
            command.add_argument("--access-key", required=True)
            command.add_argument("--secret-key", required=True)
    args = parser.parse_args()
    commands = {
        "cognito": cognito,
        "storage": storage,
        "head": head,
        "uploads": uploads,
        "iam-user": iam_user,
        "bucket": bucket,
    }
    commands[args.command](args)


if __name__ == "__main__":
    try:
        main()
    except botocore.exceptions.BotoCoreError as error:
        print(f"e2e_fixture.py: {error}", file=sys.stderr)
        sys.exit(1)
