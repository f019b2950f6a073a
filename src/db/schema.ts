// The whole database schema, and drizzle-kit's entry (drizzle.config.ts): the write side's tables
// here under tables/, each read model's in its slice under src/read-models/.
export * from './tables/log.ts';
export * from './tables/engine.ts';
export * from './tables/auth.ts';
export * from './tables/commands.ts';
export * from '../read-models/anomaly/tables.ts';
export * from '../read-models/ledger/tables.ts';
export * from '../read-models/audit/tables.ts';
export * from '../read-models/general-ledger/tables.ts';
export * from '../read-models/idempotency/tables.ts';
