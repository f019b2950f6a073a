// Scratch: writes sample reports to a folder to look at as images (not a test; run with tsx).
import { writeFileSync } from 'node:fs';
import { created, startTestLedger } from './harness.ts';

const out = process.argv[2] ?? '/tmp';
const paths = process.argv.slice(3);
const ledger = await startTestLedger('pglite');
const admin = ledger.as();
const a = await ledger.openAccount({ ownerId: 'cust-7' });
const b = await ledger.openAccount({ ownerId: 'cust-7', overdraftLimit: '50.00' });
const yen = await ledger.openAccount({ currency: 'JPY' });
created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '25000.00', reference: 'salary', channel: 'wire' }));
created(await admin.post(`/v1/accounts/${yen}/deposits`, { amount: '2000000', channel: 'cash' }));
for (let i = 0; i < 30; i++) created(await admin.post(`/v1/accounts/${a}/withdrawals`, { amount: `${(i % 9) + 1}.05`, reference: `atm ${i}`, channel: 'card' }));
created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '12000.00', reference: 'rent' }));
created(await admin.post(`/v1/accounts/${b}/withdrawals`, { amount: '12030.25' }));
await ledger.catchUp();
for (const p of paths) {
  const url = p.replace('{a}', a).replace('{b}', b);
  const res = await admin.fetch(url);
  const name = p.replace(/^\/v1\/reports\//, '').replace(/[^a-z0-9-]+/gi, '_');
  writeFileSync(`${out}/${name}.${url.includes('format=csv') ? 'csv' : url.includes('format=manifest') ? 'json' : 'pdf'}`, Buffer.from(await res.arrayBuffer()));
  console.log(res.status, url);
}
await ledger.close();
