import { loadEnv } from '../config/env.ts';
import { UsageError, parseCommand } from './args.ts';
import { COMMANDS, USAGE } from './commands.ts';

/** Exit code: 0 done, 1 failed or refused, 2 a usage mistake (said on stderr), 3 verify found a read model differing; -1 keeps serving. */
async function main(argv: string[]): Promise<number> {
  const [first = 'serve', ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    const about = rest[0] ? COMMANDS[rest[0]] : undefined;
    console.log(about ? about.usage : USAGE);
    return 0;
  }
  const spec = COMMANDS[first];
  if (!spec) {
    console.error(`unknown command "${first}": one of ${Object.keys(COMMANDS).join(', ')}\n\n${USAGE}`);
    return 2;
  }
  try {
    const parsed = parseCommand(first, rest, spec.options, spec.positionals);
    if (parsed.help) {
      console.log(spec.usage);
      return 0;
    }
    return await spec.run(parsed, loadEnv());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n(ledger ${first} --help for its usage)`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
