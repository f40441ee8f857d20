"""Calls STS GetCallerIdentity N times through ONE boto3 client with the default credential chain.

Prints {"arns": [...], "accessKeyIds": [...]} on stdout: the Arn of each answer, and the access
key id each request was signed with (read from its Authorization header, so it is the key the
client really used). On any error, prints "<ErrorClass>: <message>" on stderr and exits 1.
"""

import json
import re
import sys

import boto3

SIGNED_KEY = re.compile(r"Credential=([^/]+)/")


def main() -> int:
    calls = int(sys.argv[1])
    access_key_ids = []

    def record_key(request, **_):
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        match = SIGNED_KEY.search(authorization)
        access_key_ids.append(match.group(1) if match else None)

    try:
        # boto3 resolves credentials when the client is created, so that can fail too.
        client = boto3.session.Session().client("sts")
        client.meta.events.register("before-send.sts.GetCallerIdentity", record_key)
        arns = [client.get_caller_identity()["Arn"] for _ in range(calls)]
    except Exception as error:  # the test asserts on the message
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"arns": arns, "accessKeyIds": access_key_ids}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
