/**
 * Words for the codes reports print: journal kinds (the ledger read model's, including those that
 * holds and reversals add), transaction kinds, event types and fraud rules. The CSV keeps the code
 * beside the label where a program may filter on it.
 */
const KIND_LABELS: Record<string, string> = {
  deposit: 'Deposit',
  withdrawal: 'Withdrawal',
  transfer: 'Transfer',
  transfer_out: 'Transfer out',
  transfer_in: 'Transfer in',
  hold_capture: 'Hold captured',
  hold_capture_out: 'Hold captured, out',
  hold_capture_in: 'Hold captured, in',
  reversal: 'Reversal',
  reversal_out: 'Reversal, out',
  reversal_in: 'Reversal, in',
};

/** A journal or transaction kind in words; an unknown code in words too ("cash_back" → "Cash back"). */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? humanize(kind);
}

/** snake_case, kebab-case or CamelCase in words, first letter capital: "HoldCaptured" → "Hold captured". */
export function humanize(code: string): string {
  const words = code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
