/** The reports there are (a module of its own: the CLI's usage names them without loading the renderers). */
export const REPORT_NAMES = ['account-statement', 'audit-trail', 'large-transactions', 'suspicious-activity', 'trial-balance', 'general-ledger-detail', 'owner-activity'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];
