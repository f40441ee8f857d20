"""Calls AWS through the credproxy gateway with boto3 and nothing but the environment.

argv: <work dir> <bucket> <queue>. Prints one JSON object on stdout with what each call
returned; on any error prints "<ErrorClass>: <message>" on stderr and exits 1.
"""

import hashlib
import json
import os
import sys

import boto3
from botocore.config import Config
from boto3.s3.transfer import TransferConfig


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    work, bucket, queue = sys.argv[1], sys.argv[2], sys.argv[3]
    out = {}
    try:
        session = boto3.session.Session()
        out["arn"] = session.client("sts").get_caller_identity()["Arn"]
        s3 = session.client("s3")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="small.txt", Body=b"hello gateway")
        out["small"] = s3.get_object(Bucket=bucket, Key="small.txt")["Body"].read().decode()
        big = os.path.join(work, "big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(50 * 1024 * 1024))
        config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
        s3.upload_file(big, bucket, "big.bin", Config=config)
        back = os.path.join(work, "big.back")
        s3.download_file(bucket, "big.bin", back, Config=config)
        out["bigSame"] = sha256_file(big) == sha256_file(back)
        out["bigSha256"] = sha256_file(big)
        out["keys"] = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
        # botocore presigns S3 with SigV2 unless told otherwise; the gateway takes SigV4 only.
        s3v4 = session.client("s3", config=Config(signature_version="s3v4"))
        out["presigned"] = s3v4.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "small.txt"}, ExpiresIn=300
        )
        ddb = session.client("dynamodb")
        ddb.create_table(
            TableName="gw",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="gw", Item={"id": {"S": "1"}, "v": {"S": "boto3"}})
        out["item"] = ddb.get_item(TableName="gw", Key={"id": {"S": "1"}})["Item"]["v"]["S"]
        sqs = session.client("sqs")
        queue_url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody="hi from boto3")
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
        out["message"] = messages[0]["Body"] if messages else None
    except Exception as error:  # the test asserts on the message
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
