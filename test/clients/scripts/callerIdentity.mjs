// Calls STS GetCallerIdentity N times through ONE STSClient.
//
//   node callerIdentity.mjs <calls> [chain|fromHttp|fromProcess]
//
// `chain` (the default) is what an app gets without configuring credentials: the SDK's default
// chain, which for a container endpoint tries fromHttp, then fromContainerMetadata. `fromHttp`
// uses that provider alone, so its own error (status, server's Code) reaches the caller.
// `fromProcess` runs the credential_process of the profile (AWS_PROFILE, else default) alone.
//
// Prints {"arns": [...], "accessKeyIds": [...]} on stdout: the Arn of each answer, and the
// access key id each request was signed with (read from its Authorization header, so it is the
// key the client really used). On any error, prints one line "<name>: <message>" (plus the
// server's Code when the provider kept it) on stderr and exits 1.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromHttp, fromProcess } from '@aws-sdk/credential-providers';

const calls = Number(process.argv[2]);
const provider = process.argv[3] ?? 'chain';
const providers = { fromHttp, fromProcess };
const client = new STSClient(provider in providers ? { credentials: providers[provider]() } : {});
const accessKeyIds = [];

// The deserialize step runs after signing, right before the request is sent.
client.middlewareStack.add(
  (next) => async (args) => {
    const authorization = args.request?.headers?.authorization ?? '';
    accessKeyIds.push(/Credential=([^/]+)\//.exec(authorization)?.[1] ?? null);
    return next(args);
  },
  { step: 'deserialize', name: 'recordSigningKey' },
);

try {
  const arns = [];
  for (let call = 0; call < calls; call += 1) {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    arns.push(identity.Arn);
  }
  process.stdout.write(`${JSON.stringify({ arns, accessKeyIds })}\n`);
} catch (error) {
  const code = error?.Code === undefined ? '' : ` (Code: ${error.Code})`;
  process.stderr.write(`${error?.name}: ${error?.message}${code}\n`);
  process.exitCode = 1;
} finally {
  client.destroy();
}
