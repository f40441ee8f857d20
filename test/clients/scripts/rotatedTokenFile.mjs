// Calls STS GetCallerIdentity through the JS SDK v3 before and after its token file is rotated.
//
//   node rotatedTokenFile.mjs <calls> <marker-dir>
//
// Phase 1: one STSClient on the default chain, <calls> calls. Then it creates <marker-dir>/half
// and waits (up to 30 s) for <marker-dir>/rotated, which the test creates once it has replaced
// the token file. Phase 2: a new STSClient in the same process, <calls> calls. The container
// provider reads AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE at each credential fetch (JS refetches a
// set only 5 minutes before it expires, hence the new client).
//
// Prints {"before": [...], "after": [...]}: the access key id each call was signed with. On any
// error, prints "<name>: <message>" on stderr and exits 1.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

const calls = Number(process.argv[2]);
const markers = process.argv[3];

async function phase() {
  const keys = [];
  const client = new STSClient({});
  client.middlewareStack.add(
    (next) => async (args) => {
      const authorization = args.request?.headers?.authorization ?? '';
      keys.push(/Credential=([^/]+)\//.exec(authorization)?.[1] ?? null);
      return next(args);
    },
    { step: 'deserialize', name: 'recordSigningKey' },
  );
  try {
    for (let call = 0; call < calls; call += 1) {
      await client.send(new GetCallerIdentityCommand({}));
    }
  } finally {
    client.destroy();
  }
  return keys;
}

try {
  const before = await phase();
  writeFileSync(join(markers, 'half'), '');
  const deadline = Date.now() + 30_000;
  while (!existsSync(join(markers, 'rotated'))) {
    if (Date.now() > deadline) throw new Error('the token file was not rotated');
    await sleep(50);
  }
  const after = await phase();
  process.stdout.write(`${JSON.stringify({ before, after })}\n`);
} catch (error) {
  process.stderr.write(`${error?.name}: ${error?.message}\n`);
  process.exitCode = 1;
}
