import { ROLES } from '../auth/roles.ts';
import { isAllowed, policyFor, toRouterPath, type RoutePolicy } from './authorization.ts';
import { PROBLEM_CODES, type ProblemCode, problemStatus, problemTitle, problemType } from './problem.ts';

/**
 * The published OpenAPI document is the one @hono/zod-openapi builds from the routes, completed
 * here with what the routes do not declare themselves: an operationId derived from method and
 * path, the answers the middleware can give (derived from the authorization table and the
 * middleware chain of src/http/app.ts), the response headers, and problem examples. A new route
 * gets all of it without listing anything.
 */

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'ledger',
    version: '0.1.0',
    description: 'Event-sourced financial ledger. Amounts are decimal strings; errors are RFC 9457 problem+json with a stable `code`.',
    license: { name: 'UNLICENSED', identifier: 'LicenseRef-Proprietary' },
  },
} as const;

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  responses?: Record<string, Json>;
  [k: string]: unknown;
}
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: Json & { headers?: Json };
  [k: string]: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const WITH_BODY = new Set(['post', 'put', 'patch']);
/** Paths the request-timeout middleware does not cover (app.ts exempts the stream). */
const STREAMS = new Set(['/v1/events/stream']);

/** The answers a /v1 operation can get from the middleware before (or around) its handler, in app.ts order. */
interface MiddlewareAnswer {
  code: ProblemCode;
  applies(method: string, path: string, policy: RoutePolicy | null): boolean;
  /** Extra response headers of this answer. */
  headers?: readonly HeaderName[];
}
const MIDDLEWARE_ANSWERS: readonly MiddlewareAnswer[] = [
  // requireJsonBody checks every query string (and JSON body); zod validates params and bodies.
  { code: 'validation_failed', applies: () => true },
  { code: 'payload_too_large', applies: (m) => WITH_BODY.has(m) },
  { code: 'request_timeout', applies: (_, p) => !STREAMS.has(p), headers: ['Retry-After'] },
  { code: 'unauthorized', applies: (_, __, policy) => policy !== null },
  { code: 'rate_limited', applies: (_, __, policy) => policy !== null, headers: ['Retry-After'] },
  { code: 'unsupported_media_type', applies: (m) => WITH_BODY.has(m) },
  { code: 'forbidden', applies: (_, __, policy) => policy === null || refusesSomeone(policy) },
  // Every command goes through the log: an outage answers 503 with Retry-After.
  { code: 'log_unavailable', applies: (m) => WITH_BODY.has(m) || m === 'delete', headers: ['Retry-After'] },
];

/** A role (admin aside) the route refuses, or a key scope it refuses (unscoped routes refuse account-scoped keys). */
function refusesSomeone(policy: RoutePolicy): boolean {
  return ROLES.some((r) => !isAllowed(policy, r)) || policy.scope.kind === 'unscoped' || policy.scope.kind === 'accounts';
}

type HeaderName = keyof typeof HEADERS;
const HEADERS = {
  'X-Request-Id': { description: 'The request id (the one sent, or a new one); it appears in the server log.', schema: { type: 'string' }, example: '0b9c6a64-3f1e-4f5b-9f0a-6a6b5d1f7c11' },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 }, example: 1 },
  'Idempotent-Replayed': { description: 'Present (true) when this is the stored result of an earlier request with the same Idempotency-Key.', schema: { type: 'string', enum: ['true'] }, example: 'true' },
  Location: { description: 'The URL of the resource created.', schema: { type: 'string' }, example: '/v1/accounts/01936f5e-8a2b-7c3d-9e4f-0a1b2c3d4e5f' },
  'Ledger-Report-Position': { description: 'The log position the report reflects (`N`, or `partition:N,…` over several partitions); pass it as ?position= to reproduce the report.', schema: { type: 'string' }, example: '1042' },
} as const;

const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });

/** 'post /v1/accounts/{id}/deposits' → 'postAccountsByIdDeposits': unique because method and path are. */
export function operationIdFor(method: string, path: string): string {
  const pascal = (s: string) => s.replace(/(^|[-_.])([a-zA-Z0-9])/g, (_, __, ch: string) => ch.toUpperCase());
  const words = path
    .split('/')
    .filter((seg) => seg !== '' && seg !== 'v1')
    .map((seg) => (seg.startsWith('{') ? `By${pascal(seg.slice(1, -1))}` : pascal(seg)));
  return method.toLowerCase() + (words.join('') || 'Root');
}

/** The document completed in place (it is built fresh on every request) and returned. */
export function completeDocument<D extends object>(built: D, serverUrl: string): D {
  // The built document as the plain JSON it is: this walk only adds to it.
  const doc = built as unknown as OpenApiDocument;
  doc.servers = [{ url: serverUrl, description: 'This server' }];
  doc.components = { ...doc.components, headers: { ...doc.components?.headers, ...HEADERS } };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) completeOperation(op, method, path, `${path}/{id}` in (doc.paths ?? {}));
    }
  }
  return built;
}

/** `creates`: the path is a collection with an item route, so a 201 names the new item in Location. */
function completeOperation(op: Operation, method: string, path: string, creates: boolean): void {
  op.operationId ??= operationIdFor(method, path);
  const responses = (op.responses ??= {});
  if (path.startsWith('/v1/')) {
    const policy = policyFor(method, toRouterPath(path));
    for (const answer of MIDDLEWARE_ANSWERS) if (answer.applies(method, path, policy)) addProblem(responses, answer.code, answer.headers ?? []);
  }
  const idempotent = (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
  for (const [status, response] of Object.entries(responses)) {
    const headers: Record<string, unknown> = { ...(response.headers as Json | undefined), 'X-Request-Id': headerRef('X-Request-Id') };
    const ok = status.startsWith('2');
    if (ok && idempotent) headers['Idempotent-Replayed'] = headerRef('Idempotent-Replayed');
    if (status === '201' && creates) headers.Location = headerRef('Location');
    if (ok && path.startsWith('/v1/reports/')) headers['Ledger-Report-Position'] = headerRef('Ledger-Report-Position');
    if (status === '409' && /minPosition|position/.test(JSON.stringify(op.parameters ?? []))) headers['Retry-After'] = headerRef('Retry-After');
    response.headers = headers;
    if (!ok) addProblemExamples(response, Number(status));
  }
}

/** A problem answer for this code's status: added, or its description widened with the code. */
function addProblem(responses: Record<string, Json>, code: ProblemCode, headers: readonly HeaderName[]): void {
  const status = String(problemStatus(code));
  const existing = responses[status];
  const response: Json = existing ?? { description: problemTitle(code), content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  if (existing && existing.description === GENERIC) response.description = problemTitle(code);
  const own = (response.headers as Json | undefined) ?? {};
  for (const h of headers) own[h] = headerRef(h);
  response.headers = own;
  responses[status] = response;
}

/** How schemas.ts's problemResponses() describes every problem answer. */
const GENERIC = 'Problem details (RFC 9457)';

/** One example per problem code that answers with this status. */
function addProblemExamples(response: Json, status: number): void {
  const media = (response.content as Record<string, Json> | undefined)?.['application/problem+json'];
  if (!media || media.examples) return;
  const codes = PROBLEM_CODES_BY_STATUS.get(status) ?? [];
  if (codes.length === 0) return;
  if (response.description === GENERIC) response.description = codes.map(problemTitle).join('; ');
  media.examples = Object.fromEntries(
    codes.map((code) => [
      code,
      { summary: problemTitle(code), value: { type: problemType(code), title: problemTitle(code), status, code, detail: problemTitle(code) } },
    ]),
  );
}

const PROBLEM_CODES_BY_STATUS = new Map<number, ProblemCode[]>();
for (const code of PROBLEM_CODES) {
  const s = problemStatus(code);
  PROBLEM_CODES_BY_STATUS.set(s, [...(PROBLEM_CODES_BY_STATUS.get(s) ?? []), code]);
}
