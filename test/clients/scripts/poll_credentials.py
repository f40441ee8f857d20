"""Fetches container credentials every INTERVAL_MS for DURATION_MS with botocore's
ContainerProvider, which re-reads AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE on every fetch. One
attempt per fetch (botocore would otherwise retry 3 times), so a refused token is a failed call.

    python3 poll_credentials.py DURATION_MS INTERVAL_MS

Prints {"calls": n, "failures": n, "errors": [...first 5], "accessKeyIds": [...distinct]}.
"""

import json
import sys
import time

from botocore.credentials import ContainerProvider
from botocore.utils import ContainerMetadataFetcher


class OneAttemptFetcher(ContainerMetadataFetcher):
    RETRY_ATTEMPTS = 1


def main() -> int:
    duration = int(sys.argv[1]) / 1000
    interval = int(sys.argv[2]) / 1000
    provider = ContainerProvider(fetcher=OneAttemptFetcher())
    deadline = time.monotonic() + duration
    calls = failures = 0
    errors = []
    keys = set()
    while time.monotonic() < deadline:
        started = time.monotonic()
        calls += 1
        try:
            keys.add(provider.load().access_key)
        except Exception as error:  # the test asserts there are none
            failures += 1
            if len(errors) < 5:
                errors.append(f"{type(error).__name__}: {error}")
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    print(json.dumps({"calls": calls, "failures": failures, "errors": errors, "accessKeyIds": sorted(keys)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
