import { z } from '@hono/zod-openapi';
import { DECIDERS } from '../../domain/registry.ts';
import { isPeriodBound } from '../../reports/period.ts';
import { Id } from '../schemas.ts';

/** Query parameters shared by the audit log and the reports. */
export const PeriodBound = z
  .string()
  .refine(isPeriodBound, 'must be a date (2026-01-31) or an ISO-8601 date-time with offset (2026-01-31T23:59:59Z)')
  .optional();

export const PeriodQuery = z.object({
  from: PeriodBound.openapi({ description: 'Start of the period (inclusive): a date (00:00 UTC) or an ISO-8601 date-time.', example: '2026-01-01' }),
  to: PeriodBound.openapi({ description: 'End of the period: a date includes that whole day; a date-time is exclusive.', example: '2026-01-31' }),
});

/** The event types the audit log and trail filter on: every event of every aggregate (all are audited). */
const AUDITED_EVENT_TYPES: readonly string[] = DECIDERS.flatMap((d) => d.eventTypes);
export const EventType = z.enum(AUDITED_EVENT_TYPES as [string, ...string[]], { error: `must be one of ${AUDITED_EVENT_TYPES.join(', ')}` });

export const Actor = z.string().min(1).max(128);

export const AccountFilter = Id.optional().openapi({ description: 'Only this account' });
