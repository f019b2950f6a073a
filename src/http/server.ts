import type { Server } from 'node:http';
import { createServer } from 'node:net';
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
  return new Promise((resolve, reject) => {
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
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options)));
  });
}

/** Why the server could not listen, said for an operator: which address, what to do. */
export function listenError(err: NodeJS.ErrnoException, options: Pick<ServerOptions, 'port' | 'hostname'>): Error {
  const at = `${options.hostname}:${options.port}`;
  if (err.code === 'EADDRINUSE') return new Error(`cannot listen on ${at}: the port is already in use by another process; stop it or set PORT to a free port`);
  if (err.code === 'EACCES') return new Error(`cannot listen on ${at}: permission denied (ports below 1024 need privileges); set PORT to 1024 or above`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new Error(`cannot listen on ${at}: no such local address; set HOST (0.0.0.0 for every interface)`);
  return new Error(`cannot listen on ${at}: ${err.message}`);
}

/**
 * Fails fast, before the engine replays the log, when PORT cannot be listened on (another process
 * may still take it in between: startHttpServer reports that the same way).
 */
export function assertCanListen(options: Pick<ServerOptions, 'port' | 'hostname'>): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options)));
    probe.listen(options.port, options.hostname, () => probe.close(() => resolve()));
  });
}
