import type { Context } from 'hono';

/** What @hono/node-server hands a request as its env: the node request and response (absent for app.request in tests). */
interface NodeEnv {
  incoming?: { socket?: { remoteAddress?: string } };
  outgoing?: { setHeader(name: string, value: string): unknown };
}

const nodeEnv = (c: Context): NodeEnv | undefined => c.env as NodeEnv | undefined;

/** The client's address when served over a socket; null in-process. */
export function remoteAddress(c: Context): string | null {
  return nodeEnv(c)?.incoming?.socket?.remoteAddress ?? null;
}

/**
 * The node response a request is served on, to set fixed headers on directly: node's own header
 * list is much cheaper than a web `Headers` (which validates and sorts every name), and when the
 * route's Response carries a plain header object @hono/node-server writes it without building one.
 * Headers the route sets itself are written after these (writeHead) and win.
 */
export function nodeResponse(c: Context): NodeEnv['outgoing'] | undefined {
  const outgoing = nodeEnv(c)?.outgoing;
  return typeof outgoing?.setHeader === 'function' ? outgoing : undefined;
}

/** The env for a nested call of the app on behalf of this request (the console's API calls): the caller's socket, never its response. */
export function nestedEnv(env: unknown): NodeEnv {
  return { ...((env as NodeEnv | undefined)?.incoming ? { incoming: (env as NodeEnv).incoming } : {}) };
}
