import type { Role } from '../auth/roles.ts';

/**
 * Who may call which route: the one place where authorization is declared. The authorize
 * middleware (middleware/authorize.ts) looks every request's matched route up here; a route that
 * has no declaration is refused to everyone, admin included (deny by default), and the
 * route-enumeration test (test/e2e/authz.e2e.test.ts) fails for it.
 *
 * `roles` lists the roles besides admin (admin may call every declared route).
 * `scope` says how a key restricted to some accounts is treated:
 *   - accounts: the route touches the accounts named by these path params / body fields; each
 *     must be in the key's scope. The check never reads the database, so a 403 looks the same
 *     whether the account exists or not.
 *   - unscoped: the route touches no single account, or many (lists, the raw log, new accounts,
 *     key management): account-scoped keys are refused.
 */
export type AccountScope = { kind: 'accounts'; params?: readonly string[]; body?: readonly string[] } | { kind: 'unscoped' };

export type PolicyMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | '*';

export interface RoutePolicy {
  method: PolicyMethod;
  /** OpenAPI path ('/v1/accounts/{id}'); a trailing '*' declares every route under that prefix. */
  path: string;
  roles: readonly Role[];
  scope: AccountScope;
}

// A teller reads the accounts it serves (a balance before a withdrawal), as do auditors and analysts.
const READERS: readonly Role[] = ['teller', 'auditor', 'analyst'];
const byPathId: AccountScope = { kind: 'accounts', params: ['id'] };
const unscoped: AccountScope = { kind: 'unscoped' };

export const ROUTE_POLICIES: readonly RoutePolicy[] = [
  // Accounts and money: commands are the teller's; every role reads accounts.
  { method: 'POST', path: '/v1/accounts', roles: ['teller'], scope: unscoped },
  { method: 'GET', path: '/v1/accounts/{id}', roles: READERS, scope: byPathId },
  { method: 'GET', path: '/v1/accounts/{id}/transactions', roles: READERS, scope: byPathId },
  { method: 'GET', path: '/v1/accounts/{id}/balance', roles: READERS, scope: byPathId },
  { method: 'POST', path: '/v1/accounts/{id}/deposits', roles: ['teller'], scope: byPathId },
  { method: 'POST', path: '/v1/accounts/{id}/withdrawals', roles: ['teller'], scope: byPathId },
  { method: 'POST', path: '/v1/accounts/{id}/freeze', roles: ['teller'], scope: byPathId },
  { method: 'POST', path: '/v1/accounts/{id}/unfreeze', roles: ['teller'], scope: byPathId },
  { method: 'POST', path: '/v1/accounts/{id}/close', roles: ['teller'], scope: byPathId },
  { method: 'POST', path: '/v1/transfers', roles: ['teller'], scope: { kind: 'accounts', body: ['fromAccountId', 'toAccountId'] } },
  // Holds, reversals, batches (issue 12): commands are the teller's. A hold's own routes name a hold,
  // not an account, and the check never reads the database: account-scoped keys are refused there.
  // Reversals are teller's too (admin always may): a teller corrects its own mistakes, and each
  // reversal records its actor and reason in the log.
  { method: 'POST', path: '/v1/holds', roles: ['teller'], scope: { kind: 'accounts', body: ['accountId', 'counterpartyAccountId'] } },
  { method: 'POST', path: '/v1/holds/{id}/capture', roles: ['teller'], scope: unscoped },
  { method: 'POST', path: '/v1/holds/{id}/void', roles: ['teller'], scope: unscoped },
  { method: 'GET', path: '/v1/holds/{id}', roles: READERS, scope: unscoped },
  { method: 'GET', path: '/v1/accounts/{id}/holds', roles: READERS, scope: byPathId },
  { method: 'POST', path: '/v1/transactions/{id}/reversals', roles: ['teller'], scope: unscoped },
  { method: 'POST', path: '/v1/batches', roles: ['teller'], scope: unscoped },
  { method: 'GET', path: '/v1/accounts', roles: READERS, scope: unscoped },
  { method: 'GET', path: '/v1/owners/{ownerId}', roles: READERS, scope: unscoped },

  // The raw log is part of the audit trail.
  { method: 'GET', path: '/v1/events', roles: ['auditor'], scope: unscoped },
  { method: 'GET', path: '/v1/events/stream', roles: ['auditor'], scope: unscoped },

  // Key management: admin only.
  { method: 'POST', path: '/v1/keys', roles: [], scope: unscoped },
  { method: 'GET', path: '/v1/keys', roles: [], scope: unscoped },
  { method: 'DELETE', path: '/v1/keys/{id}', roles: [], scope: unscoped },

  // Routes other teams are adding; declared here so they are covered the day they land.
  // An account-scoped variant (a statement of one account) can be declared as an exact route above these.
  { method: 'GET', path: '/v1/audit*', roles: ['auditor'], scope: unscoped },
  { method: '*', path: '/v1/reports/*', roles: ['auditor'], scope: unscoped },
  // Fraud: reading alerts and moving them through open → investigating → dismissed/escalated.
  { method: '*', path: '/v1/fraud/*', roles: ['analyst'], scope: unscoped },
  { method: '*', path: '/v1/alerts*', roles: ['analyst'], scope: unscoped },
];

const exact = new Map<string, RoutePolicy>();
const prefixes: Array<{ prefix: string; policy: RoutePolicy }> = [];
for (const policy of ROUTE_POLICIES) {
  if (policy.path.endsWith('*')) prefixes.push({ prefix: policy.path.slice(0, -1), policy });
  else exact.set(`${policy.method} ${toRouterPath(policy.path)}`, policy);
}
// Longest prefix first, so a narrower declaration wins over a wider one.
prefixes.sort((a, b) => b.prefix.length - a.prefix.length);

/** '/v1/accounts/{id}' → '/v1/accounts/:id' (the router's spelling). */
export function toRouterPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** The declaration for a method and a route as the router registered it, or null (deny). */
export function policyFor(method: string, routerPath: string): RoutePolicy | null {
  const m = method === 'HEAD' ? 'GET' : method.toUpperCase();
  const found = exact.get(`${m} ${routerPath}`);
  if (found) return found;
  for (const { prefix, policy } of prefixes) {
    if ((policy.method === '*' || policy.method === m) && routerPath.startsWith(prefix)) return policy;
  }
  return null;
}

export function isAllowed(policy: RoutePolicy, role: Role): boolean {
  return role === 'admin' || policy.roles.includes(role);
}

const patterns = new Map<string, RegExp>();

/** The path params of a concrete path for a router path such as '/v1/accounts/:id/deposits'. */
export function pathParams(routerPath: string, path: string): Record<string, string> | null {
  let re = patterns.get(routerPath);
  if (!re) {
    const source = routerPath
      .split('/')
      .map((seg) => (seg.startsWith(':') ? `(?<${seg.slice(1).replace(/\W/g, '')}>[^/]+)` : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    re = new RegExp(`^${source}$`);
    patterns.set(routerPath, re);
  }
  const groups = re.exec(path)?.groups;
  if (!groups) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(groups)) out[k] = safeDecode(v);
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
