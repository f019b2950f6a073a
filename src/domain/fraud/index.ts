export * from './activity.ts';
export * from './config.ts';
export * from './rules.ts';
export * from './baseline.ts';
export * from './population.ts';
export * from './takeover.ts';
export * from './risk.ts';
