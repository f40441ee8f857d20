import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../helpers/requireTool.js';
import { AGENT_TOKEN, makeAgent, makeRoute, ROUTE_KEY, startEgress } from './egressSetup.js';
import { headerValues, type Recorded, startUpstream, type Upstream } from './upstream.js';

const curl = checkCommand('curl', ['--version'], 'curl');
const run = promisify(execFile);
const WORDS = ['Hello', ' from', ' the', ' upstream', '.'];

/**
 * A loopback fake of both APIs' wire formats (/v1/messages and /v1/chat/completions, JSON or
 * SSE). A stream writes its next event only after `delivered` says the client has the previous
 * one, so a client that received events only at the end would hang, not pass.
 */
function fakeApi(delivered: () => Promise<void>) {
  return (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const request = JSON.parse(body.toString() || '{}') as { stream?: boolean };
    const anthropic = req.url?.startsWith('/v1/messages') === true;
    if (!request.stream) {
      const answer = anthropic ? anthropicMessage() : openaiCompletion();
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_1' });
      res.end(JSON.stringify(answer));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    void (async () => {
      for (const event of anthropic ? anthropicEvents() : openaiEvents()) {
        res.write(event.text);
        if (event.awaitClient) await delivered();
      }
      res.end();
    })();
  };
}

describe('real clients through egress routes', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startEgress>>;
  // The upstream writes an event, then waits here until the client has it (same tick as the
  // write, so the client cannot get the event before `signal` is set).
  let signal: () => void = () => undefined;
  const clientGot = () => signal();

  beforeAll(async () => {
    upstream = await startUpstream({
      handler: fakeApi(
        () =>
          new Promise<void>((resolve) => {
            signal = resolve;
          }),
      ),
    });
    t = await startEgress(
      [
        makeRoute('anthropic', upstream.url),
        makeRoute('openai', upstream.url, {
          inject: { header: 'authorization', scheme: 'Bearer', value: ROUTE_KEY },
        }),
      ],
      [makeAgent('agent', AGENT_TOKEN, ['anthropic', 'openai'])],
    );
  });

  afterAll(async () => {
    await t?.sidecar.stop();
    await upstream?.close();
  });

  function expectOnlyRouteKey(seen: Recorded | undefined, header: string, value: string): void {
    expect(headerValues(seen?.rawHeaders ?? [], header)).toEqual([value]);
    expect(JSON.stringify(seen?.rawHeaders)).not.toContain(AGENT_TOKEN);
  }

  const anthropicClient = () =>
    new Anthropic({ apiKey: AGENT_TOKEN, baseURL: `${t.egress}/anthropic`, maxRetries: 0 });
  const openaiClient = () =>
    new OpenAI({ apiKey: AGENT_TOKEN, baseURL: `${t.egress}/openai/v1`, maxRetries: 0 });

  it('@anthropic-ai/sdk: messages.create with its API key set to the credproxy token', async () => {
    upstream.requests.length = 0;

    const message = await anthropicClient().messages.create({
      model: 'claude-test',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });

    expect(message.content).toEqual([{ type: 'text', text: WORDS.join('') }]);
    expect(upstream.requests[0]?.url).toBe('/v1/messages');
    expectOnlyRouteKey(upstream.requests[0], 'x-api-key', ROUTE_KEY);
  });

  it('@anthropic-ai/sdk: a stream delivers each text delta as the upstream sends it', async () => {
    const deltas: string[] = [];

    const stream = anthropicClient().messages.stream({
      model: 'claude-test',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        deltas.push(event.delta.text);
        clientGot();
      }
    }

    expect(deltas).toEqual(WORDS);
    expect((await stream.finalMessage()).stop_reason).toBe('end_turn');
  });

  it('@anthropic-ai/sdk: a wrong token is the SDK AuthenticationError (401)', async () => {
    const client = new Anthropic({
      apiKey: 'not-a-token',
      baseURL: `${t.egress}/anthropic`,
      maxRetries: 0,
    });

    const error = await client.messages
      .create({ model: 'claude-test', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).status).toBe(401);
  });

  it('openai: chat.completions.create with its API key set to the credproxy token', async () => {
    upstream.requests.length = 0;

    const completion = await openaiClient().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
    });

    expect(completion.choices[0]?.message.content).toBe(WORDS.join(''));
    expect(upstream.requests[0]?.url).toBe('/v1/chat/completions');
    expectOnlyRouteKey(upstream.requests[0], 'authorization', `Bearer ${ROUTE_KEY}`);
  });

  it('openai: a stream delivers each chunk as the upstream sends it', async () => {
    const deltas: string[] = [];

    const stream = await openaiClient().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) {
        deltas.push(content);
        clientGot();
      }
    }

    expect(deltas).toEqual(WORDS);
  });

  it.skipIf(!curl.available)('curl: a plain POST with the token as x-api-key', async () => {
    upstream.requests.length = 0;

    const { stdout } = await run('curl', [
      '-sS',
      '--fail-with-body',
      '-H',
      `x-api-key: ${AGENT_TOKEN}`,
      '-H',
      'content-type: application/json',
      '--data',
      '{"model":"claude-test","max_tokens":16,"messages":[]}',
      `${t.egress}/anthropic/v1/messages`,
    ]);

    expect(JSON.parse(stdout).content[0].text).toBe(WORDS.join(''));
    expectOnlyRouteKey(upstream.requests[0], 'x-api-key', ROUTE_KEY);
  });

  it.skipIf(!curl.available)('curl: a 64 KiB upload, sent after Expect: 100-continue', async () => {
    upstream.requests.length = 0;
    const prompt = 'p'.repeat(64 * 1024);

    const { stdout, stderr } = await run('curl', [
      '-sS',
      '-v',
      '--fail-with-body',
      '-H',
      `x-api-key: ${AGENT_TOKEN}`,
      '-H',
      'content-type: application/json',
      '-H',
      'Expect: 100-continue',
      '--data-binary',
      JSON.stringify({
        model: 'claude-test',
        max_tokens: 16,
        messages: [{ role: 'user', content: prompt }],
      }),
      `${t.egress}/anthropic/v1/messages`,
    ]);

    expect(stderr).toContain('HTTP/1.1 100 Continue');
    expect(JSON.parse(stdout).content[0].text).toBe(WORDS.join(''));
    expect(upstream.requests[0]?.body.toString()).toContain(prompt);
    expect(headerValues(upstream.requests[0]?.rawHeaders ?? [], 'expect')).toEqual([]);
  });

  it('node fetch: Authorization: Bearer on a route that injects x-api-key', async () => {
    upstream.requests.length = 0;

    const response = await fetch(`${t.egress}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-test', max_tokens: 16, messages: [] }),
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toBe('req_1');
    expectOnlyRouteKey(upstream.requests[0], 'x-api-key', ROUTE_KEY);
  });
});

function anthropicMessage() {
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: [{ type: 'text', text: WORDS.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 5 },
  };
}

function openaiCompletion() {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-test',
    choices: [
      { index: 0, message: { role: 'assistant', content: WORDS.join('') }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
  };
}

interface StreamEvent {
  readonly text: string;
  /** Wait until the client has this event before writing the next one. */
  readonly awaitClient: boolean;
}

function sse(event: string | undefined, data: unknown, awaitClient = false): StreamEvent {
  const head = event === undefined ? '' : `event: ${event}\n`;
  return {
    text: `${head}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    awaitClient,
  };
}

function anthropicEvents(): StreamEvent[] {
  const start = {
    ...anthropicMessage(),
    content: [],
    stop_reason: null,
    usage: { input_tokens: 3, output_tokens: 0 },
  };
  return [
    sse('message_start', { type: 'message_start', message: start }),
    sse('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    ...WORDS.map((text) =>
      sse(
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
        true,
      ),
    ),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 5 },
    }),
    sse('message_stop', { type: 'message_stop' }),
  ];
}

function openaiEvents(): StreamEvent[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-test',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return [
    sse(undefined, chunk({ role: 'assistant', content: '' }, null)),
    ...WORDS.map((content) => sse(undefined, chunk({ content }, null), true)),
    sse(undefined, chunk({}, 'stop')),
    sse(undefined, '[DONE]'),
  ];
}
