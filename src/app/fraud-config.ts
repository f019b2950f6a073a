import { readFileSync } from 'node:fs';
import { DomainError } from '../domain/errors.ts';
import { FraudConfig, type FraudConfigFile } from '../domain/fraud/config.ts';

/** The rules' thresholds: built-in defaults, overridden by the JSON file LEDGER_FRAUD_RULES names (if any). */
export function loadFraudConfig(path: string | undefined): FraudConfig {
  if (!path) return new FraudConfig();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`LEDGER_FRAUD_RULES: cannot read ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`LEDGER_FRAUD_RULES: ${path} must hold a JSON object`);
  const unknown = Object.keys(parsed).filter((k) => k !== 'defaults' && k !== 'currencies');
  if (unknown.length) throw new Error(`LEDGER_FRAUD_RULES: ${path}: unknown key(s) ${unknown.join(', ')}; use "defaults" and "currencies"`);
  try {
    return new FraudConfig(parsed as FraudConfigFile);
  } catch (err) {
    if (err instanceof DomainError) throw new Error(`LEDGER_FRAUD_RULES: ${path}: ${err.message}`);
    throw err;
  }
}
