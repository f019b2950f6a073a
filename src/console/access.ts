import type { Principal } from '../auth/roles.ts';
import { type PolicyMethod, isAllowed, policyFor, toRouterPath } from '../http/authorization.ts';

/**
 * Whether the principal may call an API route, read from the API's own authorization table
 * (src/http/authorization.ts): the console shows a link or a button only when the call behind it
 * would be allowed. It decides nothing else: every action is still the API call, which checks again.
 * `accountId`: the account the call touches, for keys restricted to some accounts.
 */
export function can(principal: Principal, method: Exclude<PolicyMethod, '*'>, openApiPath: string, accountId?: string): boolean {
  const policy = policyFor(method, toRouterPath(openApiPath));
  if (!policy || !isAllowed(policy, principal.role)) return false;
  if (principal.accounts === null) return true;
  if (policy.scope.kind === 'unscoped') return false;
  return accountId !== undefined && principal.accounts.has(accountId);
}
