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
 * So are bodies whose meaning JSON.parse would bend silently: a key twice in one object (the last
 * would win) and a `__proto__` key (dropped or turned into a prototype by the object it lands in).
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
  const keys = scanKeys(text);
  // A NUL or a lone surrogate reaches a parsed string only as a \\u escape (JSON has no raw NUL) or as itself: most bodies have neither.
  const at = MAY_BE_UNSTORABLE.test(text) ? findUnstorable(value) : keys.proto;
  if (at) throw at.at(-1) === '__proto__' ? refused(at.join('.'), 'the key __proto__ is not accepted') : unstorable(at.length ? at.join('.') : 'body');
  if (keys.duplicate) throw refused(keys.duplicate.join('.'), 'this key appears more than once in its object');
  return text;
}

const MAY_BE_UNSTORABLE = /\\u|[\uD800-\uDFFF]/;

/** Deeper than any body of this API; a deeper one is refused rather than walked. */
const MAX_DEPTH = 64;

function tooDeep(path: string[]): ApiProblem {
  return new ApiProblem('validation_failed', `the body nests deeper than ${MAX_DEPTH} levels`, [{ field: path.slice(0, 3).join('.') || 'body', message: 'nested too deeply' }]);
}

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
    if (path.length >= MAX_DEPTH) throw tooDeep(path);
    for (const [k, v] of Object.entries(value)) {
      if (UNSTORABLE.test(k) || k === '__proto__') return [...path, k];
      stack.push({ value: v, path: [...path, k] });
    }
  }
  return null;
}

/** One object or array being read: an object's keys so far and the current one, an array's current index. */
interface Frame {
  keys: Set<string> | null;
  key: string;
  index: number;
}

/**
 * One pass over the text (valid JSON already: only strings and brackets matter): the path of the
 * first key that appears twice in one object (JSON.parse keeps the last one silently) and of the
 * first `__proto__` key; a body nested deeper than MAX_DEPTH is refused here.
 */
function scanKeys(text: string): { duplicate: string[] | null; proto: string[] | null } {
  const stack: Frame[] = [];
  const path = (key: string) => [...stack.slice(0, -1).map((f) => (f.keys ? f.key : String(f.index))), key];
  let duplicate: string[] | null = null;
  let proto: string[] | null = null;
  let top: Frame | undefined;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const end = endOfString(text, i);
      if (expectKey && top?.keys) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (top.keys.has(key)) duplicate ??= path(key);
        if (key === '__proto__') proto ??= path(key);
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      top = { keys: ch === 0x7b ? new Set() : null, key: '', index: 0 };
      stack.push(top);
      if (stack.length > MAX_DEPTH) throw tooDeep(stack.map((f) => (f.keys ? f.key : String(f.index))));
      expectKey = ch === 0x7b;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      top = stack.at(-1);
    } else if (ch === 0x2c /* , */ && top) {
      if (top.keys) expectKey = true;
      else top.index++;
    }
  }
  return { duplicate, proto };
}

/** The index of the quote that closes the string opening at `start` (one not escaped by an odd run of backslashes). */
function endOfString(text: string, start: number): number {
  for (let i = text.indexOf('"', start + 1); i !== -1; i = text.indexOf('"', i + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === 0x5c /* \ */) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
  return text.length;
}

function refused(field: string, message: string): ApiProblem {
  return new ApiProblem('validation_failed', `${field}: ${message}`, [{ field, message }]);
}

function unstorable(field: string): ApiProblem {
  const message = 'must not contain a NUL character or an unpaired UTF-16 surrogate';
  return new ApiProblem('validation_failed', `${field} ${message}`, [{ field, message }]);
}
