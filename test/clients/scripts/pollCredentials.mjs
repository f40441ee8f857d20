// Fetches container credentials every <intervalMs> for <durationMs> with the JS SDK v3's
// fromHttp, which re-reads AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE on every fetch. No retries
// (maxRetries 0): every fetch is one request, so a refused token shows as a failed call.
//
//   node pollCredentials.mjs <durationMs> <intervalMs>
//
// Prints {"calls": n, "failures": n, "errors": [...first 5], "accessKeyIds": [...distinct]}.
import { fromHttp } from '@aws-sdk/credential-providers';

const durationMs = Number(process.argv[2]);
const intervalMs = Number(process.argv[3]);
const provider = fromHttp({ maxRetries: 0, timeout: 2000 });
const deadline = Date.now() + durationMs;
const errors = [];
const keys = new Set();
let calls = 0;
let failures = 0;

while (Date.now() < deadline) {
  const started = Date.now();
  calls += 1;
  try {
    keys.add((await provider()).accessKeyId);
  } catch (error) {
    failures += 1;
    if (errors.length < 5) errors.push(`${error?.name}: ${error?.message}`);
  }
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))),
  );
}
process.stdout.write(`${JSON.stringify({ calls, failures, errors, accessKeyIds: [...keys] })}\n`);
