import { AppError } from '../errors.ts';

/** A reporting period over occurred_at: [from, to), bounds as ISO-8601 UTC; null = unbounded. */
export interface Period {
  from: string | null;
  to: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Is this a date (YYYY-MM-DD) or an ISO-8601 date-time with an offset that names a real instant? */
export function isPeriodBound(text: string): boolean {
  if (!DATE.test(text) && !DATE_TIME.test(text)) return false;
  if (Number.isNaN(new Date(DATE.test(text) ? `${text}T00:00:00Z` : text).getTime())) return false;
  // Date rolls 2026-02-30 over into March: check the calendar date as written.
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(y, m - 1, d));
  return calendar.getUTCFullYear() === y && calendar.getUTCMonth() === m - 1 && calendar.getUTCDate() === d;
}

/**
 * Parses from/to. A date `from` starts at 00:00Z of that day; a date `to` includes that whole day
 * (the bound is 00:00Z of the next day). A date-time is taken as the instant it names; `to` is exclusive.
 */
export function parsePeriod(from: string | undefined, to: string | undefined): Period {
  const bound = (text: string | undefined, field: 'from' | 'to'): string | null => {
    if (text === undefined || text === '') return null;
    if (!isPeriodBound(text)) throw new AppError('validation_failed', `${field} must be a date (2026-01-31) or an ISO-8601 date-time with offset (2026-01-31T23:59:59Z)`, field);
    const d = DATE.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
    if (field === 'to' && DATE.test(text)) d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString();
  };
  const period = { from: bound(from, 'from'), to: bound(to, 'to') };
  if (period.from && period.to && period.from >= period.to) throw new AppError('validation_failed', 'to must be after from', 'to');
  return period;
}

/** "2026-01-01 00:00:00 UTC to 2026-02-01 00:00:00 UTC (exclusive)". */
export function describePeriod(p: Period): string {
  const f = p.from ? humanTime(p.from) : 'beginning of the log';
  const t = p.to ? `${humanTime(p.to)} (exclusive)` : 'the log position below';
  return `${f} to ${t}`;
}

/** ISO-8601 → "2026-01-31 23:59:59 UTC". */
export function humanTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
