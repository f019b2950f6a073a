// The whole database schema: one file per feature under tables/ (drizzle-kit reads that folder).
export * from './tables/ledger.ts';
export * from './tables/engine.ts';
export * from './tables/auth.ts';
export * from './tables/fraud.ts';
export * from './tables/audit.ts';
