import type { CaseDecision } from './events.ts';

export type CaseCommand =
  | { type: 'OpenCase'; caseId: string; ownerId: string; alertIds: string[]; assignee: string | null; dueAt: string | null; note: string | null }
  | { type: 'AddCaseAlerts'; caseId: string; alertIds: string[] }
  | { type: 'AssignCase'; caseId: string; assignee: string | null }
  | { type: 'AddCaseNote'; caseId: string; note: string }
  | { type: 'SetCaseDueDate'; caseId: string; dueAt: string | null }
  | { type: 'DecideCase'; caseId: string; decision: CaseDecision; sarReference: string | null; note: string | null }
  | { type: 'FreezeAccountFromCase'; caseId: string; accountId: string; reason: string | null }
  | { type: 'UnfreezeAccountFromCase'; caseId: string; accountId: string; reason: string | null };

export const CASE_COMMAND_TYPES = [
  'OpenCase',
  'AddCaseAlerts',
  'AssignCase',
  'AddCaseNote',
  'SetCaseDueDate',
  'DecideCase',
  'FreezeAccountFromCase',
  'UnfreezeAccountFromCase',
] as const satisfies readonly CaseCommand['type'][];
