#!/usr/bin/env node
/**
 * Container health probe (the image's HEALTHCHECK): GET credproxy's /health and exit 0 on a
 * 200, 1 on anything else (another status, a refused connection, no answer within the
 * timeout). Plain node, so the image needs no curl or other binary.
 *
 *   node healthcheck.mjs [URL]        URL, else CREDPROXY_HEALTHCHECK_URL, else
 *                                     http://127.0.0.1:1338/health
 *   CREDPROXY_HEALTHCHECK_TIMEOUT_MS  default 3000, below the HEALTHCHECK --timeout of 5 s
 *
 * /health answers 200 while credproxy runs, even before the first STS call succeeds, and 503
 * once it drains after SIGTERM. /ready (pass it as URL, e.g. for a Kubernetes exec readiness
 * probe) answers 200 only once every service has credentials.
 */
import { request } from 'node:http';

const DEFAULT_URL = 'http://127.0.0.1:1338/health';
const DEFAULT_TIMEOUT_MS = 3000;

const target = process.argv[2] || process.env.CREDPROXY_HEALTHCHECK_URL || DEFAULT_URL;
const timeoutMs = Number(process.env.CREDPROXY_HEALTHCHECK_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
const url = URL.canParse(target) ? new URL(target) : undefined;

function fail(reason) {
  process.stderr.write(`unhealthy: ${target}: ${reason}\n`);
  process.exitCode = 1;
}

if (url?.protocol !== 'http:') {
  fail('not an http:// URL');
} else {
  // agent: false, so no kept-alive socket holds the process open after the answer.
  const probe = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (response) => {
    response.resume();
    if (response.statusCode === 200) process.exitCode = 0;
    else fail(`status ${response.statusCode}`);
  });
  probe.on('timeout', () => probe.destroy(new Error(`no answer within ${timeoutMs} ms`)));
  probe.on('error', (error) => fail(error.code ?? error.message));
  probe.end();
}
