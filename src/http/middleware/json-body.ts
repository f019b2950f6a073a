import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { ApiProblem } from '../problem.ts';

const JSON_TYPE = /^application\/(.+\+)?json(\s*;.*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A NUL, or a UTF-16 surrogate without its pair: text that PostgreSQL (and most consumers) cannot store. */
// eslint-disable-next-line no-control-regex -- the NUL is what this pattern is for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Bodies are JSON or nothing, and every text a request carries can be stored: a body declared as
 * anything but JSON, a body that is not UTF-8, and a NUL or lone surrogate in any string, object
 * key or query parameter are refused here, before anything reads them, with the field that was wrong.
 */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (values.some((v) => UNSTORABLE.test(v)) || UNSTORABLE.test(name)) throw unstorable(name);
    }
    if (c.req.method === 'POST' || c.req.method === 'PUT' || c.req.method === 'PATCH') {
      const type = c.req.header('content-type');
      if (type !== undefined && type !== '' && !JSON_TYPE.test(type)) {
        throw new ApiProblem('unsupported_media_type', 'send the body as application/json');
      }
      if (type !== undefined && type !== '') {
        const text = checkText(await c.req.arrayBuffer());
        // The route's validator reads the body as text next: hand it the decoded text, or Hono
        // would build a web Response around the bytes again to decode them (undici, per request).
        // (Hono types the cache by the resolved values; it holds their promises.)
        (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
      }
    }
    await next();
  };
}

/** The body as text, once it is known to be UTF-8 whose strings can all be stored. */
function checkText(bytes: ArrayBuffer): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiProblem('validation_failed', 'the body is not valid UTF-8', [{ field: 'body', message: 'not valid UTF-8' }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // malformed JSON: the route's validator answers with its own message
  }
  const at = findUnstorable(value);
  if (at) throw unstorable(at.length ? at.join('.') : 'body');
  return text;
}

/** Deeper than any body of this API; a deeper one is refused rather than walked. */
const MAX_DEPTH = 64;

/** The path of the first unstorable string or key, walked without recursion (a body may nest deeply). */
function findUnstorable(root: unknown): string[] | null {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: root, path: [] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, path } = item;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return path;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_DEPTH) throw new ApiProblem('validation_failed', `the body nests deeper than ${MAX_DEPTH} levels`, [{ field: path.slice(0, 3).join('.') || 'body', message: 'nested too deeply' }]);
    for (const [k, v] of Object.entries(value)) {
      if (UNSTORABLE.test(k)) return [...path, k];
      stack.push({ value: v, path: [...path, k] });
    }
  }
  return null;
}

function unstorable(field: string): ApiProblem {
  const message = 'must not contain a NUL character or an unpaired UTF-16 surrogate';
  return new ApiProblem('validation_failed', `${field} ${message}`, [{ field, message }]);
}
