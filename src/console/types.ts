/** The parts of the API's answers the console shows (the API's schemas are authoritative). */
export interface Account {
  id: string;
  currency: string;
  status: string;
  balance: string;
  held: string;
  available: string;
  overdraftLimit: string;
  ownerId: string | null;
  version: number;
  openedAt: string;
  updatedAt: string;
  position: number | null;
  partition: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface JournalLine {
  transactionId: string;
  kind: string;
  amount: string;
  balanceAfter: string;
  currency: string;
  counterpartyAccountId: string | null;
  reference: string | null;
  occurredAt: string;
  version: number;
  position: number | null;
}

export interface Hold {
  id: string;
  counterpartyAccountId: string | null;
  status: string;
  amount: string;
  remaining: string;
  expiresAt: string | null;
  reference: string | null;
  placedAt: string;
}

export interface Balance {
  balance: string;
  asOf: string;
  version: number;
  position: number | null;
}

export interface AlertTransaction {
  id: string;
  kind: string;
  fromAccountId: string | null;
  toAccountId: string | null;
  amount: string;
  currency: string;
  reference: string | null;
  channel: string | null;
  actor: string;
  occurredAt: string;
  position: number;
}

export interface Alert {
  id: string;
  rule: string;
  severity: string;
  score: number;
  accountId: string;
  accountIds: string[];
  currency: string;
  amount: string;
  status: string;
  summary: string;
  history: Array<{ status: string; at: string; actor: string; note: string | null; position: number }>;
  raisedAt: string;
  updatedAt: string;
  transactions?: AlertTransaction[];
}

export interface StreamEvent {
  type: string;
  streamId: string;
  partition: number;
  position: number;
  occurredAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
