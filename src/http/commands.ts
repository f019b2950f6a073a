import type { Context } from 'hono';
import { newId } from '../ids.ts';
import type { CommandContext } from '../engine/ledger-engine.ts';
import { canonicalJson, sha256Hex } from '../log/envelope.ts';
import type { AppEnv } from './context.ts';
import { remoteAddress } from './node-env.ts';

/**
 * The envelope metadata of a command sent over HTTP. The request hash covers the operation, the
 * path and the body as the client sent them (not ids the server generates), so a retry with the
 * same Idempotency-Key and body matches and any other body under that key is a conflict.
 */
export function commandContext(c: Context<AppEnv>, operation: string, input: unknown): CommandContext {
  const key = c.req.header('idempotency-key');
  const requestId = c.get('requestId');
  const principal = c.get('principal');
  return {
    commandId: key ? `${idempotencyNamespace(principal.actor)}:${key}` : newId(),
    requestHash: sha256Hex(canonicalJson({ operation, input })),
    correlationId: c.req.header('x-correlation-id')?.slice(0, 128) ?? requestId,
    causationId: null,
    actor: principal.actor,
    actorRole: principal.role,
    origin: {
      ip: remoteAddress(c),
      userAgent: c.req.header('user-agent')?.slice(0, 256) ?? null,
      requestId,
    },
  };
}

/**
 * Idempotency keys are namespaced per caller, unambiguously: `key:<keyId>:<Idempotency-Key>` for an
 * API key (key ids are hex), `jwt:<percent-encoded subject>:<Idempotency-Key>` for a JWT, so subject
 * `alice:x` with key `k1` and subject `alice` with key `x:k1` are two commands.
 */
export function idempotencyNamespace(actor: string): string {
  return actor.startsWith('jwt:') ? `jwt:${encodeURIComponent(actor.slice(4))}` : actor;
}

