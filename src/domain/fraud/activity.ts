import type { MovementKind } from '../account/events.ts';
import type { Dec } from '../money.ts';
import type { Baseline } from './baseline.ts';
import type { RuleId, Severity } from './config.ts';
import type { AmountDistribution } from './population.ts';

/** One movement of money on one account, as the rules see it. Times are the events' occurredAt. */
export interface Activity {
  eventId: string;
  transactionId: string;
  accountId: string;
  ownerId: string | null;
  kind: MovementKind;
  amount: Dec;
  currency: string;
  balanceAfter: Dec;
  counterpartyId: string | null;
  channel: string | null;
  occurredAt: string;
  position: number;
}

/** What the projector remembers about an account between events. */
export interface AccountProfile {
  accountId: string;
  ownerId: string | null;
  currency: string;
  /** Null when the account was opened before the projector saw it (never, on a full replay). */
  openedAt: string | null;
  /** The last movement before the current one, null when there was none. */
  lastActivityAt: string | null;
  /** Rule → raisedAt of the last alert of that rule on this account (cool-down). */
  lastAlertAt: Partial<Record<RuleId, string>>;
  /** What the account usually does (before the current movement). */
  baseline: Baseline;
}

/** Funds that left `originId` and have travelled along `path` (origin first) to the account holding the tag. */
export interface FlowTag {
  tagId: string;
  originId: string;
  path: string[];
  amount: Dec;
  startedAt: string;
  evidence: Evidence[];
}

export interface Evidence {
  eventId: string;
  transactionId: string;
  accountId: string;
  kind: MovementKind;
  amount: string;
  currency: string;
  occurredAt: string;
  counterpartyId: string | null;
}

/** A rule's verdict on one movement. */
export interface Detection {
  rule: RuleId;
  severity: Severity;
  /** 0-100: how far past the threshold. */
  score: number;
  /** The account the alert is about first, then every other account involved. */
  accountIds: string[];
  amount: Dec;
  evidence: Evidence[];
  summary: string;
}

/**
 * Everything a rule may look at for one movement: the movement, the account's profile as it was
 * before it, and the recent activity (oldest first, not including the movement itself).
 */
export interface RuleInput {
  movement: Activity;
  profile: AccountProfile;
  /** This account's movements within the longest window, before this one. */
  recent: readonly Activity[];
  /** Movements of the owner's other accounts within the longest window (for per-owner structuring). */
  ownerRecent: readonly Activity[];
  /** For a transfer out: had this account paid the counterparty before? */
  paidBefore: boolean;
  /** For a transfer out: flow tags held by this account. */
  tags: readonly FlowTag[];
  /** The population's amounts in the movement's currency (before this movement). */
  population: AmountDistribution;
  /** For an outflow: the recent activity (their debit included) of the accounts that paid this one by transfer lately. */
  payers: ReadonlyMap<string, readonly Activity[]>;
  /** For an outflow: payer → when it and this account first exchanged money. */
  firstContact: ReadonlyMap<string, string>;
}

export function evidenceOf(a: Activity, fmt: (d: Dec) => string): Evidence {
  return {
    eventId: a.eventId,
    transactionId: a.transactionId,
    accountId: a.accountId,
    kind: a.kind,
    amount: fmt(a.amount),
    currency: a.currency,
    occurredAt: a.occurredAt,
    counterpartyId: a.counterpartyId,
  };
}

export function alertIdOf(rule: RuleId, triggeringEventId: string): string {
  return `${rule}-${triggeringEventId}`;
}
