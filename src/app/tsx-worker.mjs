// The entry of a worker thread run from the TypeScript sources (dev, tests): registers tsx in this thread,
// then imports the source file named by the last argument. See worker-entry.ts for why.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[process.argv.length - 1]);
