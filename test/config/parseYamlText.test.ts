import { describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/config/parseYamlText.js';

const SECRET = 'SECRET-VALUE-7781';

/** A document whose aliases expand to 10^12 nodes: ten anchors, each ten aliases of the last. */
function billionLaughs(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 12; i++) {
    lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('parseYamlText', () => {
  it.each([
    ['yes', true],
    ['On', true],
    ['TRUE', true],
    ['no', false],
    ['OFF', false],
    ['y', 'y'],
    ['n', 'n'],
    ['0777', 511],
    ['"0777"', '0777'],
    ['0o17', '0o17'],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000', 1000],
    ['1:30', 90],
    ['1.5e3', 1500],
    ['~', null],
    ['', null],
  ])('reads the scalar %s as PyYAML does: %j', (scalar, value) => {
    const parsed = parseYamlText(`key: ${scalar}\n`);

    expect(parsed).toEqual({ ok: true, value: { key: value } });
  });

  it.each([
    [
      'JSON',
      '{"a": [1, 2.5, {"b": null}], "c": "d", "e": true}',
      { a: [1, 2.5, { b: null }], c: 'd', e: true },
    ],
    [
      'CRLF line endings',
      'a: 1\r\nb: "x\r\n  y"\r\nc: |\r\n  l1\r\n  l2\r\n',
      { a: 1, b: 'x y', c: 'l1\nl2\n' },
    ],
    ['non-ASCII keys and values', 'clé: "日本語 ✓"\némoji: 😀\n', { clé: '日本語 ✓', émoji: '😀' }],
    ['a byte order mark', '\uFEFFa: 1\n', { a: 1 }],
    ['a leading ---', '---\na: 1\n', { a: 1 }],
    [
      'a merge key overridden by a later key',
      'base: &b {x: 1, y: 2}\nsvc: {<<: *b, y: 3}\n',
      { base: { x: 1, y: 2 }, svc: { x: 1, y: 3 } },
    ],
    ['an empty document', '', null],
    ['only comments', '# nothing here\n\n', null],
  ])('reads %s', (_case, text, value) => {
    const parsed = parseYamlText(text);

    expect(parsed).toEqual({ ok: true, value });
  });

  it.each([
    ['a duplicate key', 'services:\n  app1: {}\n  app1: {}\n', 3, 3, 'duplicate key in a mapping'],
    ['a duplicate key in JSON', '{"a": 1, "a": 2}', 1, 10, 'duplicate key in a mapping'],
    [
      'a second document',
      'a: 1\n---\nb: 2\n',
      3,
      1,
      'the file holds more than one YAML document (--- starts another one)',
    ],
    ['an unclosed double quote', `a: "${SECRET}\n`, 1, 4, 'Missing closing "quote'],
    ['an unclosed single quote', `a: '${SECRET}\n`, 1, 4, "Missing closing 'quote"],
    [
      'an unclosed quote followed by more lines',
      `services:\n  app1:\n    auth_token: "${SECRET}\n    assumed_role: {}\n# a comment, with an apostrophe: it's\nserver: {}\n`,
      3,
      17,
      'Missing closing "quote',
    ],
    [
      'an unclosed quote that the next value closes',
      `a: "x"\nb: "${SECRET}\nc: d\ne: "f"\n`,
      5,
      1,
      'can not read a block mapping entry; a multiline key may not be an implicit key (the quote at line 2, column 4 runs on to line 4: is its closing quote missing?)',
    ],
    ['an unclosed flow sequence', 'a: [1,\nb: 2\n', 3, 1, 'a [ or { is never closed'],
    [
      'a bad escape',
      `a: "${SECRET}\\q"\n`,
      1,
      23,
      'invalid escape sequence in a double-quoted string',
    ],
    [
      'an alias to no anchor',
      `a: *${SECRET}\n`,
      1,
      22,
      'an alias (*name) refers to no anchor (&name) before it',
    ],
    ['an unknown tag', `a: !${SECRET} x\n`, 1, 24, 'unknown tag'],
    ['an unknown verbatim tag', `a: !<tag:${SECRET}> x\n`, 1, 30, 'unknown tag'],
    ['an undeclared tag handle', `a: !${SECRET}!x y\n`, 1, 24, 'invalid tag'],
    [
      'a tab in indentation',
      'a:\n\tb: 1\n',
      2,
      1,
      'tab characters must not be used in indentation',
    ],
    [
      'a bad indent after CRLF',
      'a: 1\r\nb: 2\r\n c: 3\r\n',
      3,
      3,
      'bad indentation of a mapping entry',
    ],
    [
      'nesting past 100 levels',
      `a: ${'['.repeat(101)}${']'.repeat(101)}\n`,
      1,
      103,
      'nesting is deeper than 100 levels',
    ],
    ['a billion laughs', billionLaughs(), 1, 1, 'aliases expand too many times'],
    ['an alias inside its own anchor', 'a: &a [*a]\n', 1, 1, 'aliases expand too many times'],
  ])(
    'reports %s at its line and column, never quoting the document',
    (_case, text, line, column, reason) => {
      const parsed = parseYamlText(text);

      expect(parsed).toEqual({ ok: false, line, column, reason });
    },
  );

  it('lets one anchor be used by 1,000 aliases', () => {
    const uses = Array.from({ length: 1_000 }, (_, i) => `svc${i}: *role`);
    const text = ['role: &role {RoleArn: arn:aws:iam::123456789012:role/A}', ...uses, ''].join(
      '\n',
    );

    const parsed = parseYamlText(text);

    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({ svc999: { RoleArn: 'arn:aws:iam::123456789012:role/A' } }),
    });
  });

  it('lets 5,000 mappings merge one shared mapping (past js-yaml default of 10,000 merged keys)', () => {
    const uses = Array.from({ length: 5_000 }, (_, i) => `svc${i}: {<<: *base, name: s${i}}`);
    const text = ['base: &base {region: eu-west-1, DurationSeconds: 900}', ...uses, ''].join('\n');

    const parsed = parseYamlText(text);

    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({
        svc4999: { region: 'eu-west-1', DurationSeconds: 900, name: 's4999' },
      }),
    });
  });
});
