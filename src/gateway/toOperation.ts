import type { QueryParam } from './sigv4.js';

/**
 * The AWS operation a request names, for the audit line and the log: the part after the dot of
 * `X-Amz-Target` (JSON protocols: `DynamoDB_20120810.PutItem` → `PutItem`), or the `Action`
 * of a query-protocol call (in the query, or in a form body already buffered). Undefined when
 * the request does not name one (S3's REST calls). Only a plain name is returned, never
 * arbitrary client text.
 */
export function toOperation(
  target: string | undefined,
  query: readonly QueryParam[],
  formBody: Buffer | undefined,
): string | undefined {
  let name: string | undefined;
  if (target !== undefined) name = target.slice(target.lastIndexOf('.') + 1);
  else name = query.find((p) => p.name === 'Action')?.value;
  if (name === undefined && formBody !== undefined) {
    name = new URLSearchParams(formBody.toString('latin1')).get('Action') ?? undefined;
  }
  return name !== undefined && /^[A-Za-z0-9]{1,64}$/.test(name) ? name : undefined;
}
