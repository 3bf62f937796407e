"""Creates what `upload-edge serve` needs in the local services, and prints it as JSON.

    setup.py --s3 http://127.0.0.1:4566 --cognito http://127.0.0.1:5000 --origin http://127.0.0.1:8080

In LocalStack (S3, SQS, KMS): a KMS key, an SQS queue, and the upload bucket with CORS for the page's origin and
ObjectCreated notifications to the queue (what EventBridge does in AWS). In moto (Cognito): a user pool, an app
client that allows USER_PASSWORD_AUTH, the group "pro", and a dev user with a fresh random password.

Everything is on 127.0.0.1 and takes the credentials test/test.
"""

import argparse
import json
import secrets
import string

import boto3
import botocore.config

REGION = "eu-west-1"
BUCKET = "upload-edge-local"
QUEUE = "upload-edge-object-created"
DEV_USER = "dev@example.com"
KEY_ALIAS = "alias/upload-edge-local"


def client(service, endpoint):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 3}, s3={"addressing_style": "path"}),
    )


def storage(endpoint, origin):
    kms = client("kms", endpoint)
    # One key per LocalStack, found again by its alias: serves sharing a LocalStack (and its bucket and queue)
    # then validate each other's uploads against the same key.
    try:
        key = kms.describe_key(KeyId=KEY_ALIAS)["KeyMetadata"]
    except kms.exceptions.NotFoundException:
        key = kms.create_key(Description="upload-edge serve")["KeyMetadata"]
        kms.create_alias(AliasName=KEY_ALIAS, TargetKeyId=key["KeyId"])
    sqs = client("sqs", endpoint)
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3 = client("s3", endpoint)
    try:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["GET", "POST", "PUT"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag", "Location"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )
    return {"bucket": BUCKET, "kmsKeyArn": key["Arn"], "queueUrl": queue_url, "queueArn": queue_arn}


def cognito(endpoint):
    idp = client("cognito-idp", endpoint)
    pool = idp.create_user_pool(PoolName="upload-edge-local")["UserPool"]["Id"]
    app = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.create_group(GroupName="pro", UserPoolId=pool)
    alphabet = string.ascii_letters + string.digits
    password = "Dev-" + "".join(secrets.choice(alphabet) for _ in range(12)) + "1!"
    idp.admin_create_user(UserPoolId=pool, Username=DEV_USER, MessageAction="SUPPRESS", TemporaryPassword=password)
    idp.admin_set_user_password(UserPoolId=pool, Username=DEV_USER, Password=password, Permanent=True)
    return {
        "userPoolId": pool,
        "clientId": app,
        "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
        "jwksURL": f"{endpoint}/{pool}/.well-known/jwks.json",
        "username": DEV_USER,
        "password": password,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--s3", required=True)
    parser.add_argument("--cognito", required=True)
    parser.add_argument("--origin", required=True)
    args = parser.parse_args()
    print(json.dumps({"region": REGION, **storage(args.s3, args.origin), **cognito(args.cognito)}))


if __name__ == "__main__":
    main()
