import { Dec, formatAmount } from '../domain/money.ts';
import type { AlertTransaction } from './types.ts';

const W = 640;
const H = 420;
const R = 22;
const EXTERNAL = 'outside the ledger';

interface Edge {
  from: string;
  to: string;
  count: number;
  total: string;
}

/** Money flows between accounts, summed per direction (in the alert's currency). */
export function edgesOf(transactions: readonly AlertTransaction[]): Edge[] {
  const edges = new Map<string, Edge>();
  for (const t of transactions) {
    const from = t.fromAccountId ?? EXTERNAL;
    const to = t.toAccountId ?? EXTERNAL;
    const key = `${from}>${to}`;
    const amount = new Dec(t.amount).abs();
    const e = edges.get(key);
    if (e) {
      e.count++;
      e.total = formatAmount(new Dec(e.total).plus(amount), t.currency);
    } else edges.set(key, { from, to, count: 1, total: formatAmount(amount, t.currency) });
  }
  return [...edges.values()];
}

/** The flagged accounts in the middle, their counterparties around them (beside them when there are two or fewer). */
function layout(nodes: readonly string[], flagged: ReadonlySet<string>, h: number): Map<string, { x: number; y: number }> {
  const at = new Map<string, { x: number; y: number }>();
  const centre = nodes.filter((n) => flagged.has(n));
  const ring = nodes.filter((n) => !flagged.has(n));
  centre.forEach((n, i) => at.set(n, { x: W / 2 + (i - (centre.length - 1) / 2) * 90, y: h / 2 }));
  ring.forEach((n, i) => {
    const angle = ring.length <= 2 ? Math.PI * (1 - i) : (2 * Math.PI * i) / ring.length - Math.PI / 2;
    at.set(n, { x: W / 2 + Math.cos(angle) * (W / 2 - 80), y: h / 2 + Math.sin(angle) * (h / 2 - 55) });
  });
  return at;
}

const short = (id: string) => (id === EXTERNAL ? 'external' : `…${id.slice(-6)}`);

/** The counterparties of an alert's evidence as a directed graph, drawn on the server as SVG. */
export function CounterpartyGraph({ transactions, flagged, currency }: { transactions: readonly AlertTransaction[]; flagged: readonly string[]; currency: string }) {
  const edges = edgesOf(transactions);
  const nodes = [...new Set([...flagged, ...edges.flatMap((e) => [e.from, e.to])])];
  const few = nodes.length - flagged.length <= 2;
  const h = few ? 200 : H;
  const at = layout(nodes, new Set(flagged), h);
  const label = `Counterparty graph: ${nodes.length} account(s), ${edges.length} flow(s) of money between them.`;
  return (
    <svg class="graph" viewBox={`0 0 ${W} ${h}`} width={W} height={h} aria-label={label}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#4a4a4a" />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = at.get(e.from)!;
        const b = at.get(e.to)!;
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const len = Math.hypot(dx, dy) || 1;
        const [x1, y1, x2, y2] = [a.x + (dx / len) * R, a.y + (dy / len) * R, b.x - (dx / len) * (R + 2), b.y - (dy / len) * (R + 2)];
        return (
          <g>
            <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="#4a4a4a" stroke-width={Math.min(1.5 + e.count, 6)} marker-end="url(#arrow)" />
            <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 6} text-anchor="middle" font-size="12" fill="#1a1a1a" stroke="#ffffff" stroke-width="4" paint-order="stroke">
              {`${e.total} ${currency} (${e.count}×)`}
            </text>
          </g>
        );
      })}
      {nodes.map((n) => {
        const p = at.get(n)!;
        const isFlagged = flagged.includes(n);
        const circle = (
          <>
            <title>{n}</title>
            <circle cx={p.x} cy={p.y} r={R} fill={isFlagged ? '#fde2e2' : '#e3edf9'} stroke={isFlagged ? '#a4161a' : '#0b4f9c'} stroke-width="2" />
            <text x={p.x} y={p.y + R + 15} text-anchor="middle" font-size="12" fill="#1a1a1a" stroke="#ffffff" stroke-width="4" paint-order="stroke">
              {short(n)}
            </text>
          </>
        );
        return n === EXTERNAL ? <g>{circle}</g> : <a href={`/console/accounts/${n}`}>{circle}</a>;
      })}
    </svg>
  );
}
