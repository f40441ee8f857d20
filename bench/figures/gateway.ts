import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { stringify } from 'yaml';
import { freePort } from '../../test/helpers/moto.js';
import {
  type BenchContext,
  type FigureResult,
  fmt,
  fmtInt,
  type Row,
  verdictOf,
} from '../figure.js';
import { type LoadResult, runLoad } from '../load.js';
import { type Child, MAIN_JS, readRssBytes, spawnNode, waitFor200 } from '../processes.js';
import { median } from '../stats.js';
import { motoEnv } from '../sts.js';

/** Goals of issue 13. */
const MAX_ADDED_P50_MS = 0.5;
const MAX_UPLOAD_GROWTH_MB = 64;

const MB = 1024 * 1024;
const GiB = 1024 ** 3;
const JSON_BODY = Buffer.from(
  JSON.stringify({ TableName: 'bench', Key: { id: { S: 'x'.repeat(64) } } }),
);

interface Rig {
  readonly upstream: string;
  readonly gateway: string;
  readonly credproxy: Child;
  readonly token: string;
  stop(): Promise<void>;
}

/** The upstream (bench/egressUpstream.ts), and credproxy with the gateway on, roles from moto. */
async function startRig(ctx: BenchContext): Promise<Rig> {
  if (ctx.moto === undefined) throw new Error(ctx.motoMissing ?? 'moto_server is missing');
  const children: Child[] = [];
  try {
    const upstreamPort = await freePort();
    const upstreamChild = spawnNode({
      args: ['--import', 'tsx', 'bench/egressUpstream.ts', String(upstreamPort)],
    });
    children.push(upstreamChild);
    const upstream = `http://127.0.0.1:${upstreamPort}`;
    await waitFor200(`${upstream}/`, upstreamChild, process.hrtime.bigint());
    const token = randomBytes(32).toString('hex');
    const [port, proxyPort] = [await freePort(), await freePort()];
    const configFile = join(ctx.tmpDir, 'gateway.yaml');
    writeFileSync(
      configFile,
      stringify({
        server: { port },
        aws_defaults: { region: 'us-east-1' },
        proxy: {
          port: proxyPort,
          aws: {
            enabled: true,
            services: ['s3', 'dynamodb'],
            endpoints: { s3: upstream, dynamodb: upstream },
          },
        },
        services: {
          bench: {
            auth_token: token,
            assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/bench' },
            aws_gateway: true,
          },
        },
      }),
    );
    const credproxy = spawnNode({
      args: [MAIN_JS, '--config', configFile, '--log-level', 'warn'],
      env: motoEnv(ctx.moto),
      logFile: join(ctx.tmpDir, 'gateway.log'),
    });
    children.push(credproxy);
    await waitFor200(`http://127.0.0.1:${port}/ready`, credproxy, process.hrtime.bigint());
    return {
      upstream,
      gateway: `http://127.0.0.1:${proxyPort}`,
      credproxy,
      token,
      stop: async () => {
        await Promise.all(children.map((child) => child.stop()));
      },
    };
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
}

/** Headers of one request signed as an SDK would, with the service name and token as keys. */
async function signedHeaders(
  rig: Rig,
  service: 's3' | 'dynamodb',
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Record<string, string>> {
  const url = new URL(rig.gateway);
  const signer = new SignatureV4({
    service,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: rig.token },
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query: {},
    headers: { host: url.host, ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers))
    if (name !== 'host') out[name] = String(value);
  return out;
}

interface Shape {
  readonly name: string;
  readonly service: 's3' | 'dynamodb';
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

const SHAPES: readonly Shape[] = [
  {
    name: 'S3 GetObject (header-signed, empty payload hash)',
    service: 's3',
    method: 'GET',
    path: '/bucket/key',
    headers: { 'x-amz-content-sha256': createHash('sha256').update('').digest('hex') },
  },
  {
    name: 'DynamoDB GetItem (JSON body hashed in memory)',
    service: 'dynamodb',
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
    },
    body: JSON_BODY,
  },
];

/** Interleaved rounds at one connection, direct and through the gateway; re-signed per round (5-minute window). */
async function latencyRounds(
  ctx: BenchContext,
  rig: Rig,
  shape: Shape,
): Promise<{ direct: LoadResult[]; gateway: LoadResult[] }> {
  const direct: LoadResult[] = [];
  const gateway: LoadResult[] = [];
  const load = async (base: string, seconds: number, pid?: number) => {
    const headers = await signedHeaders(
      rig,
      shape.service,
      shape.method,
      shape.path,
      shape.headers,
      shape.body,
    );
    return runLoad({
      url: `${base}${shape.path}`,
      token: headers.authorization ?? '',
      connections: 1,
      durationSeconds: seconds,
      ...(pid === undefined ? {} : { serverPid: pid }),
      method: shape.method,
      ...(shape.body === undefined ? {} : { body: shape.body }),
      headers,
    });
  };
  await load(rig.gateway, 1, rig.credproxy.pid);
  await load(rig.upstream, 1);
  for (let round = 0; round < ctx.rounds; round += 1) {
    const order = round % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
    for (const which of order) {
      const result =
        which === 'direct'
          ? await load(rig.upstream, ctx.roundSeconds)
          : await load(rig.gateway, ctx.roundSeconds, rig.credproxy.pid);
      (which === 'direct' ? direct : gateway).push(result);
      ctx.log(
        `  ${shape.name}, round ${round + 1}/${ctx.rounds} ${which}: p50 ${result.p50Ms.toFixed(3)} ms, ${Math.round(result.rps)} req/s, ${result.failures} failed`,
      );
    }
  }
  return { direct, gateway };
}

async function measureOverhead(ctx: BenchContext, rig: Rig): Promise<FigureResult> {
  const rows: Row[] = [];
  const summaries: string[] = [];
  let failures = 0;
  for (const shape of SHAPES) {
    const { direct, gateway } = await latencyRounds(ctx, rig, shape);
    failures += [...direct, ...gateway].reduce((n, r) => n + r.failures, 0);
    const added = median(gateway.map((r, i) => r.p50Ms - (direct[i]?.p50Ms ?? Number.NaN)));
    const verdict = verdictOf(added <= MAX_ADDED_P50_MS);
    rows.push({
      measure: `${shape.name}, 1 connection: added p50 (gateway - direct)`,
      value: `${fmt(added, 3)} ms (p50 ${fmt(median(gateway.map((r) => r.p50Ms)), 3)} ms, ${fmt(median(gateway.map((r) => r.serverCpuUsPerRequest)), 0)} µs CPU/req)`,
      baseline: `direct p50 ${fmt(median(direct.map((r) => r.p50Ms)), 3)} ms`,
      goal: `<= ${MAX_ADDED_P50_MS} ms`,
      verdict,
    });
    summaries.push(`${shape.service} ${fmt(added, 3)} ms (${verdict})`);
  }
  return {
    id: 13,
    title: 'AWS gateway: verify + re-sign overhead',
    rows,
    ...(failures > 0
      ? { notes: [`${failures} requests failed across figure 13's rounds (expected 0).`] }
      : {}),
    summary: `figure 13: verify + re-sign adds at p50 over direct: ${summaries.join(', ')} (goal <= ${MAX_ADDED_P50_MS} ms; median of ${ctx.rounds} interleaved rounds of ${ctx.roundSeconds} s)`,
  };
}

/** Peak RSS growth of credproxy while 1 GiB is PUT through the gateway (UNSIGNED-PAYLOAD). */
async function measureUpload(rig: Rig): Promise<FigureResult> {
  const headers = await signedHeaders(rig, 's3', 'PUT', '/bucket/upload', {
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'content-length': String(GiB),
  });
  const pid = rig.credproxy.pid;
  const before = readRssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, readRssBytes(pid));
  }, 25);
  const started = process.hrtime.bigint();
  const chunk = Buffer.alloc(64 * 1024, 'u');
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= GiB) this.push(null);
      else {
        sent += chunk.length;
        this.push(chunk);
      }
    },
  });
  const target = new URL(`${rig.gateway}/bucket/upload`);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'PUT',
        headers,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => {
          text += part;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
  clearInterval(sampler);
  peak = Math.max(peak, readRssBytes(pid));
  if ((JSON.parse(answer) as { bytes?: number }).bytes !== GiB)
    throw new Error(`the upstream got ${answer.slice(0, 200)}`);
  const growthMb = (peak - before) / MB;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const verdict = verdictOf(growthMb < MAX_UPLOAD_GROWTH_MB);
  return {
    id: 14,
    title: 'AWS gateway: 1 GiB S3 upload',
    rows: [
      {
        measure:
          'credproxy RSS growth during a 1 GiB S3 PutObject (UNSIGNED-PAYLOAD) through the gateway',
        value: `${fmt(growthMb, 1)} MB (${fmt(seconds, 1)} s, ${fmtInt(1024 / seconds)} MiB/s)`,
        baseline: '-',
        goal: `< ${MAX_UPLOAD_GROWTH_MB} MB`,
        verdict,
      },
    ],
    summary: `figure 14: a 1 GiB S3 upload through the gateway grows credproxy's RSS by ${fmt(growthMb, 1)} MB (goal < ${MAX_UPLOAD_GROWTH_MB} MB, ${verdict})`,
  };
}

/**
 * Figures 11 and 12 (issue 13) on loopback: the real credproxy binary with the AWS gateway on
 * (roles from moto), the same upstream as the egress figures standing in for S3 and DynamoDB,
 * and requests signed with @smithy/signature-v4 as an SDK signs them.
 */
export async function measureGateway(
  ctx: BenchContext,
  selected: ReadonlySet<number>,
): Promise<FigureResult[]> {
  const rig = await startRig(ctx);
  try {
    const figures: FigureResult[] = [];
    if (selected.has(13)) figures.push(await measureOverhead(ctx, rig));
    if (selected.has(14)) figures.push(await measureUpload(rig));
    return figures;
  } finally {
    await rig.stop();
  }
}
