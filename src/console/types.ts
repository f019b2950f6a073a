import type { z } from '@hono/zod-openapi';
import type { Hold as HoldSchema } from '../http/banking-schemas.ts';
import type { AuditEntry as AuditEntrySchema, ChainVerification as ChainVerificationSchema } from '../http/routes/audit.ts';
import type { EventSchema } from '../http/routes/events.ts';
import type { Alert as AlertSchema, AlertDetail as AlertDetailSchema, FraudRules as FraudRulesSchema, ResolvedTransaction } from '../http/routes/fraud/schemas.ts';
import type { ApiKey as ApiKeySchema } from '../http/routes/keys.ts';
import type { Owner as OwnerSchema } from '../http/routes/owners.ts';
import type { Account as AccountSchema, Balance as BalanceSchema, JournalLine as JournalLineSchema } from '../http/schemas.ts';

/** The API's answers as the console reads them: inferred from the routes' own schemas, so a change of the API breaks the console at compile time. */
export type Account = z.infer<typeof AccountSchema>;
export type JournalLine = z.infer<typeof JournalLineSchema>;
export type Balance = z.infer<typeof BalanceSchema>;
export type Hold = z.infer<typeof HoldSchema>;
export type Alert = z.infer<typeof AlertSchema>;
export type AlertDetail = z.infer<typeof AlertDetailSchema>;
export type AlertTransaction = z.infer<typeof ResolvedTransaction>;
export type FraudRules = z.infer<typeof FraudRulesSchema>;
export type Owner = z.infer<typeof OwnerSchema>;
export type StreamEvent = z.infer<typeof EventSchema>;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type ChainVerification = z.infer<typeof ChainVerificationSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** Every list of the API pages alike. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
