import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/createLogger.js';
import { LogSink } from '../helpers/startTestApp.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET';

describe('createLogger', () => {
  it('writes one JSON object per line with level, time, app and version', () => {
    const sink = new LogSink();

    createLogger({ level: 'info', pretty: false, destination: sink, version: '1.2.3' }).info(
      { service: 'app' },
      'hello',
    );
    const [line] = sink.lines();

    expect(line).toMatchObject({
      level: 'info',
      app: 'credproxy',
      version: '1.2.3',
      service: 'app',
      msg: 'hello',
    });
    expect(typeof line?.time).toBe('string');
  });

  it('redacts secret field names at the top level and one level down', () => {
    const sink = new LogSink();
    const logger = createLogger({ level: 'info', pretty: false, destination: sink, version: 't' });

    logger.info(
      {
        authToken: SECRET,
        headers: { authorization: SECRET },
        source: { secretAccessKey: SECRET },
      },
      'x',
    );

    expect(sink.text()).not.toContain(SECRET);
    expect(sink.lines()[0]).toMatchObject({
      authToken: '[redacted]',
      source: { secretAccessKey: '[redacted]' },
    });
  });

  it('prints human-readable lines for --dev, still redacted', () => {
    const sink = new LogSink();
    const logger = createLogger({ level: 'debug', pretty: true, destination: sink, version: 't' });

    logger.debug({ sessionToken: SECRET, service: 'app' }, 'credential request');
    const text = sink.text();

    expect(text).toMatch(/DEBUG.*credential request/);
    expect(text).toContain('service: "app"');
    expect(text).not.toContain(SECRET);
    expect(() => JSON.parse(text.split('\n')[0] ?? '')).toThrow();
  });

  it('drops lines below the level', () => {
    const sink = new LogSink();

    createLogger({ level: 'warn', pretty: false, destination: sink, version: 't' }).info(
      {},
      'quiet',
    );

    expect(sink.text()).toBe('');
  });
});
