import { parseArgs } from 'node:util';
import { formatSummary, runSoak } from './soak.ts';

// npm run soak -- --minutes 10 [--clients 12] [--kafka]: prints a summary; exits 1 if an invariant broke.
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, clients: { type: 'string', default: '12' }, kafka: { type: 'boolean', default: false } } });
const minutes = Number(values.minutes);
const clients = Number(values.clients);
if (!(minutes > 0) || !Number.isInteger(clients) || clients < 1) {
  console.error('usage: npm run soak -- --minutes <positive number> [--clients <count>] [--kafka]');
  process.exit(2);
}
const summary = await runSoak({ minutes, clients, kafka: values.kafka });
console.log(formatSummary(summary));
process.exit(summary.violations.length === 0 && summary.otherErrors.length === 0 ? 0 : 1);
