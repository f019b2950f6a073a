export * from './activity.ts';
export * from './config.ts';
export * from './rules.ts';
