"""Calls STS GetCallerIdentity through boto3 before and after its token file is rotated.

    python3 rotatedTokenFile.py <calls> <marker-dir>

Phase 1: one session, <calls> calls. Then it creates <marker-dir>/half and waits (up to 30 s)
for <marker-dir>/rotated, which the test creates once it has replaced the token file. Phase 2:
a new session (the process stays up, as an app does), <calls> calls. botocore reads
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE at each credential fetch.

Prints {"before": [...], "after": [...]}: the access key id each call was signed with.
On any error, prints "<ErrorClass>: <message>" on stderr and exits 1.
"""

import json
import os
import re
import sys
import time

import boto3

SIGNED_KEY = re.compile(r"Credential=([^/]+)/")


def phase(calls: int) -> list:
    keys = []

    def record_key(request, **_):
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        match = SIGNED_KEY.search(authorization)
        keys.append(match.group(1) if match else None)

    client = boto3.session.Session().client("sts")
    client.meta.events.register("before-send.sts.GetCallerIdentity", record_key)
    for _ in range(calls):
        client.get_caller_identity()
    return keys


def main() -> int:
    calls, markers = int(sys.argv[1]), sys.argv[2]
    try:
        before = phase(calls)
        open(os.path.join(markers, "half"), "w").close()
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(markers, "rotated")):
            if time.time() > deadline:
                raise TimeoutError("the token file was not rotated")
            time.sleep(0.05)
        after = phase(calls)
    except Exception as error:  # the test asserts on the message
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"before": before, "after": after}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
