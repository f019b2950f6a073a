import { type ParseArgsConfig, parseArgs } from 'node:util';

export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** A mistake on the command line: exit code 2, the message names the argument and what is allowed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface ParsedCommand {
  help: boolean;
  values: OptionValues;
  positionals: string[];
}

const optionNames = (options: ParseArgsOptionsConfig) => Object.keys(options).map((o) => `--${o}`);

/** node:util's parseArgs messages, said in the CLI's own words (which option, which are allowed). */
function reword(err: Error & { code?: string }, command: string, options: ParseArgsOptionsConfig): UsageError {
  const named = /'(-[^']*)'/.exec(err.message)?.[1] ?? '';
  const name = named.split('=')[0] ?? named;
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`ledger ${command}: unknown option ${name}; its options: ${optionNames(options).join(', ')}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = /--([a-z-]+)/.exec(err.message)?.[1] ?? name;
      const takesValue = options[option]?.type === 'string';
      return new UsageError(takesValue ? `ledger ${command}: --${option} needs a value` : `ledger ${command}: --${option} takes no value`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`ledger ${command}: unexpected argument "${/'([^']*)'/.exec(err.message)?.[1] ?? ''}"`);
    default:
      return new UsageError(`ledger ${command}: ${err.message}`);
  }
}

/**
 * The one argument parser of every `ledger` command (node:util parseArgs, strict): `--help`/`-h`
 * on any command, at most `maxPositionals` plain arguments, every mistake a UsageError.
 */
export function parseCommand(command: string, argv: readonly string[], options: ParseArgsOptionsConfig = {}, maxPositionals = 0): ParsedCommand {
  const all: ParseArgsOptionsConfig = { ...options, help: { type: 'boolean', short: 'h' } };
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: true }) as { values: OptionValues; positionals: string[] };
  } catch (err) {
    if (err instanceof Error) throw reword(err, command, options);
    throw err;
  }
  const { help, ...values } = parsed.values;
  if (help) return { help: true, values, positionals: parsed.positionals };
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) throw new UsageError(`ledger ${command}: unexpected argument "${extra}"`);
  return { help: false, values, positionals: parsed.positionals };
}

/** A string option's value, or undefined. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A whole-number option within [min, max], else a UsageError naming it. */
export function intOption(command: string, values: OptionValues, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = stringOption(values, name);
  if (raw === undefined) return fallback;
  const n = /^-?[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `of at least ${min}`;
    throw new UsageError(`ledger ${command}: --${name} must be a whole number ${range}, not "${raw}"`);
  }
  return n;
}
