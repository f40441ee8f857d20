import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../src/credentials/types.js';
import { createTokenIndex } from '../../src/identity/createTokenIndex.js';
import { createJwtIdentity } from '../../src/identity/jwt/createJwtIdentity.js';
import { makeService } from '../../test/helpers/configs.js';
import { claimsAt, makeSigner, sandboxIssuer } from '../../test/helpers/jwtIssuer.js';
import { makeServices } from '../configFile.js';
import {
  type BenchContext,
  type FigureResult,
  fmt,
  fmtInt,
  type Row,
  verdictOf,
} from '../figure.js';
import type { LoadResult } from '../load.js';
import { runSeries } from '../series.js';
import { median } from '../stats.js';
import { startCredproxy, type Target } from '../targets.js';
import { medianRatio } from './warmGet.js';

export const TITLE = 'JWT identity';
/** Goals of issue 14. */
const MAX_FIRST_VERIFICATION_MS = 0.5;
const MIN_WARM_RATIO = 0.8;
/** Distinct tokens verified for the first-verification median. */
const TOKENS = 400;
const STATIC = 'static token';
const JWT = 'JWT (ES256, 2 session tags)';
const LONG_STATIC = 'static token as long as the JWT';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Figure 11: (a) the first verification of a token, in the runner's process: a fresh ES256 JWT
 * through the JWT identity (digest, cache miss, jose signature and claims checks, service
 * selection, session tags), median over 400 tokens after a warm-up; the same-run baseline is a
 * static token's digest lookup. (b) warm GET /v1/credentials on one credproxy process, loaded in
 * interleaved rounds with a static token and with a JWT whose claims select the service and map
 * to two session tags (its per-session set is cached after the first request), plus a static
 * token as long as the JWT, to tell the JWT's own cost from a longer header's.
 */
export async function measureJwt(ctx: BenchContext): Promise<FigureResult> {
  const signer = await makeSigner('ES256');
  const jwksFile = join(ctx.tmpDir, 'jwt-bench-jwks.json');
  writeFileSync(jwksFile, JSON.stringify(signer.jwks));
  const first = await measureFirstVerification(jwksFile, signer);
  const rows: Row[] = [
    {
      measure: `first verification of a token, median of ${TOKENS}`,
      value: `${fmt(first.medianMs, 3)} ms (p99 ${fmt(first.p99Ms, 3)} ms)`,
      baseline: `static token lookup ${fmt(first.staticMs * 1000, 1)} µs`,
      goal: `<= ${MAX_FIRST_VERIFICATION_MS} ms`,
      verdict: verdictOf(first.medianMs <= MAX_FIRST_VERIFICATION_MS),
    },
  ];
  let warm = Number.NaN;
  let capacity = Number.NaN;
  if (ctx.moto) {
    const results = await measureWarm(ctx, jwksFile, signer);
    warm = medianRatio(results.jwt, results.static, (r) => r.rps);
    // Throughput also moves with the load generator on the same 2 cores: server CPU time per
    // request says what each token costs the server itself.
    capacity = medianRatio(results.static, results.jwt, (r) => r.serverCpuUsPerRequest);
    const m = (list: readonly LoadResult[], of: (r: LoadResult) => number) => median(list.map(of));
    rows.push(
      {
        measure: `warm GET at ${ctx.connections} connections with a JWT, ratio to a static token`,
        value: `${fmt(warm, 2)} (${fmtInt(m(results.jwt, (r) => r.rps))} req/s)`,
        baseline: `${fmtInt(m(results.static, (r) => r.rps))} req/s`,
        goal: `>= ${MIN_WARM_RATIO}`,
        verdict: verdictOf(warm >= MIN_WARM_RATIO),
      },
      {
        measure: 'capacity: static-token CPU per request / JWT CPU per request',
        value: `${fmt(capacity, 2)} (${fmt(
          m(results.jwt, (r) => r.serverCpuUsPerRequest),
          0,
        )} µs)`,
        baseline: `${fmt(
          m(results.static, (r) => r.serverCpuUsPerRequest),
          0,
        )} µs`,
        goal: `>= ${MIN_WARM_RATIO} (stricter reading)`,
        verdict: verdictOf(capacity >= MIN_WARM_RATIO),
      },
      {
        measure: 'capacity: a static token as long as the JWT, ratio as above',
        value: fmt(
          medianRatio(results.static, results.longStatic, (r) => r.serverCpuUsPerRequest),
          2,
        ),
        baseline: `${fmt(
          m(results.longStatic, (r) => r.serverCpuUsPerRequest),
          0,
        )} µs`,
        goal: '-',
        verdict: 'info',
      },
      {
        measure: 'latency p99 with a JWT',
        value: `${fmt(
          m(results.jwt, (r) => r.p99Ms),
          2,
        )} ms`,
        baseline: `${fmt(
          m(results.static, (r) => r.p99Ms),
          2,
        )} ms`,
        goal: '-',
        verdict: 'info',
      },
    );
  }
  const warmText = ctx.moto
    ? `warm GET with a JWT ${fmt(warm, 2)} x a static token (goal >= ${MIN_WARM_RATIO}, ${rows[1]?.verdict}), ` +
      `capacity by CPU per request ${fmt(capacity, 2)} x (${rows[2]?.verdict})`
    : `warm GET not measured: ${ctx.motoMissing}`;
  return {
    id: 11,
    title: TITLE,
    rows,
    summary:
      `figure 11: first JWT verification ${fmt(first.medianMs, 3)} ms median ` +
      `(goal <= ${MAX_FIRST_VERIFICATION_MS} ms, ${rows[0]?.verdict}); ${warmText}`,
  };
}

async function measureFirstVerification(
  jwksFile: string,
  signer: Awaited<ReturnType<typeof makeSigner>>,
): Promise<{ medianMs: number; p99Ms: number; staticMs: number }> {
  const agent = makeService('agent', { jwt: { issuer: 'sandbox', requireClaims: [] } });
  const identity = createJwtIdentity(
    {
      jwt: {
        clockSkewSeconds: 30,
        issuers: [sandboxIssuer({ keys: { kind: 'jwks_file', path: jwksFile } })],
      },
    },
    [agent],
    { clock: systemClock, logger: silent, keys: { loaded() {}, failed() {} } },
  );
  const sign = (n: number) =>
    signer.sign(claimsAt(Date.now(), { svc: 'agent', tenant: 'acme', team: 'blue', n }, 3600));
  try {
    for (let n = 0; n < 50; n += 1) await identity.authenticate(await sign(-1 - n));
    const tokens = await Promise.all(Array.from({ length: TOKENS }, (_, n) => sign(n)));
    const times: number[] = [];
    for (const token of tokens) {
      const started = process.hrtime.bigint();
      const outcome = await identity.authenticate(token);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (outcome === undefined || outcome.kind !== 'accepted') {
        throw new Error(`a bench token was not accepted (${outcome?.kind})`);
      }
    }
    times.sort((a, b) => a - b);
    const index = createTokenIndex([agent]);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i += 1) index.lookup(agent.authToken);
    const staticMs = Number(process.hrtime.bigint() - started) / 1e6 / 10_000;
    return {
      medianMs: median(times),
      p99Ms: times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)] ?? Number.NaN,
      staticMs,
    };
  } finally {
    identity.close();
  }
}

async function measureWarm(
  ctx: BenchContext,
  jwksFile: string,
  signer: Awaited<ReturnType<typeof makeSigner>>,
): Promise<{ static: LoadResult[]; jwt: LoadResult[]; longStatic: LoadResult[] }> {
  const [app] = makeServices(1);
  if (!app) throw new Error('no bench service');
  const jwt = await signer.sign(
    claimsAt(Date.now(), { svc: 'agent', tenant: 'acme', team: 'blue' }, 3600),
  );
  // Separates what the JWT costs from what a longer Authorization header costs.
  const long = {
    name: 'long',
    token: app.token.repeat(Math.ceil(jwt.length / 64)).slice(0, jwt.length),
  };
  const credproxy = await startCredproxy(ctx, {
    name: 'credproxy, JWT issuer',
    metrics: true,
    logLevel: 'info',
    services: [app, long, { name: 'agent', token: '', jwtIssuer: 'sandbox' }],
    identity: {
      jwt: {
        issuers: {
          sandbox: {
            issuer: 'https://sandbox-manager.internal',
            audiences: ['credproxy'],
            jwks_file: jwksFile,
            service_claim: '/svc',
            session_tags: { Tenant: '/tenant', Team: '/team' },
          },
        },
      },
    },
  });
  try {
    const targets: Target[] = [
      { ...credproxy, name: STATIC, token: app.token },
      { ...credproxy, name: JWT, token: jwt },
      { ...credproxy, name: LONG_STATIC, token: long.token },
    ];
    const series = await runSeries(ctx, targets);
    return {
      static: [...(series.get(STATIC) ?? [])],
      jwt: [...(series.get(JWT) ?? [])],
      longStatic: [...(series.get(LONG_STATIC) ?? [])],
    };
  } finally {
    await credproxy.stop();
  }
}
