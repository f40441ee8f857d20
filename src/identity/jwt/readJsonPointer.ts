/**
 * The value at a JSON Pointer (RFC 6901) in a JWT's claims, or undefined when any step is
 * missing. `~1` is `/` and `~0` is `~` inside a name; an array step must be a plain index.
 * Config validation guarantees the pointer's syntax. Own properties only: `/__proto__` or
 * `/constructor` never reach Object.prototype.
 */
export function readJsonPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const step = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^(?:0|[1-9]\d*)$/.test(step)) return undefined;
      node = node[Number(step)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, step)) {
      node = (node as Record<string, unknown>)[step];
    } else {
      return undefined;
    }
  }
  return node;
}
