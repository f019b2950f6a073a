/**
 * The chart of accounts of the general ledger. Customer accounts are liabilities of the bank (what it
 * owes its customers); the bank's side of every movement is a system account per currency:
 *
 * - `settlement:<channel>:<CCY>` (asset): money held at the channel a deposit came in or a withdrawal
 *   went out through (cash, wire, ach, card, check, internal);
 * - `suspense:<CCY>` (asset): movements whose channel is unknown or `other`, to be classified;
 * - `transit:<CCY>` (liability): a transfer between its debit and its credit (zero once both are posted);
 * - `holds:<CCY>` (liability): customer funds on hold — reserved for holds (no event posts to it yet).
 *
 * Reversals need no account of their own: a reversal posts the mirror of the original's postings.
 */
export const SETTLEMENT_CHANNELS = ['cash', 'wire', 'ach', 'card', 'check', 'internal'] as const;
export type SettlementChannel = (typeof SETTLEMENT_CHANNELS)[number];

export type GlAccountKind = 'customer' | 'settlement' | 'suspense' | 'transit' | 'holds';
export type GlClass = 'asset' | 'liability';
export type Side = 'debit' | 'credit';

export interface GlAccount {
  code: string;
  kind: GlAccountKind;
  glClass: GlClass;
  currency: string;
  /** The customer account behind a `customer:` account; null for system accounts. */
  customerAccountId: string | null;
  name: string;
}

const CLASS_OF: Readonly<Record<GlAccountKind, GlClass>> = { customer: 'liability', settlement: 'asset', suspense: 'asset', transit: 'liability', holds: 'liability' };

/** The side on which an account of this class grows: assets on the debit side, liabilities on the credit side. */
export function normalSide(glClass: GlClass): Side {
  return glClass === 'asset' ? 'debit' : 'credit';
}

export function isSettlementChannel(channel: string | null): channel is SettlementChannel {
  return channel !== null && (SETTLEMENT_CHANNELS as readonly string[]).includes(channel);
}

export function customerAccount(accountId: string, currency: string): GlAccount {
  return { code: `customer:${accountId}`, kind: 'customer', glClass: CLASS_OF.customer, currency, customerAccountId: accountId, name: 'Customer account' };
}

/** The settlement account of a channel, or suspense when the channel is unknown or not one of the settlement channels. */
export function settlementAccount(channel: string | null, currency: string): GlAccount {
  if (!isSettlementChannel(channel)) return systemAccount('suspense', currency);
  return { code: `settlement:${channel}:${currency}`, kind: 'settlement', glClass: CLASS_OF.settlement, currency, customerAccountId: null, name: `Settlement ${channel} ${currency}` };
}

export function systemAccount(kind: 'suspense' | 'transit' | 'holds', currency: string): GlAccount {
  const names = { suspense: 'Suspense', transit: 'Transfers in transit', holds: 'Customer funds on hold' };
  return { code: `${kind}:${currency}`, kind, glClass: CLASS_OF[kind], currency, customerAccountId: null, name: `${names[kind]} ${currency}` };
}

/** Every system account of a currency (what the trial balance lists even before anything posts to it). */
export function systemAccounts(currency: string): GlAccount[] {
  return [...SETTLEMENT_CHANNELS.map((c) => settlementAccount(c, currency)), systemAccount('suspense', currency), systemAccount('transit', currency), systemAccount('holds', currency)];
}
