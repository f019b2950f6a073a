import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { App } from './context.ts';

export interface ServerOptions {
  port: number;
  hostname: string;
  /** A client must send its whole request (headers and body) within this many ms (slow clients are cut off with 408). */
  requestTimeoutMs: number;
  /** ...and its headers within this many ms. */
  headersTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs?: number;
  maxHeaderSize?: number;
}

/**
 * The HTTP server. Its timeouts keep a slow or stalled client (slowloris) from holding a
 * connection and its memory for long: they are checked every second by Node.
 */
export function startHttpServer(app: App, options: ServerOptions, onListening?: (port: number) => void): Promise<Server> {
  return new Promise((resolve) => {
    const server = serve(
      {
        fetch: app.fetch,
        port: options.port,
        hostname: options.hostname,
        serverOptions: {
          requestTimeout: options.requestTimeoutMs,
          headersTimeout: Math.min(options.headersTimeoutMs, options.requestTimeoutMs),
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
          maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
          connectionsCheckingInterval: 500,
        },
      },
      (info) => {
        onListening?.(info.port);
        resolve(server as Server);
      },
    ) as Server;
  });
}
