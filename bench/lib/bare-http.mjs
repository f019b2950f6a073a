// The baseline of `npm run bench`: a bare node:http server that reads the JSON body, parses it and
// answers 201 with a small JSON object, as its own process like the service. PORT from argv[2].
import http from 'node:http';

let n = 0;
http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const out = JSON.stringify({ id: `t-${++n}`, amount: body.amount ?? null });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  })
  .listen(Number(process.argv[2]), '127.0.0.1', () => process.send?.('listening'));
