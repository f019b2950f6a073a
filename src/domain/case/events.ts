/**
 * Events of the case aggregate: an analyst's investigation of one owner, grouping that owner's
 * alerts, with an assignee, notes, a due date, and a decision (no action, or a suspicious-activity
 * report filed, with its reference). The stream id is the case id; the actor is in the metadata.
 */
export const CASE_DECISIONS = ['no_action', 'sar_filed'] as const;
export type CaseDecision = (typeof CASE_DECISIONS)[number];

export interface CaseOpened {
  type: 'CaseOpened';
  data: { caseId: string; ownerId: string; alertIds: string[]; assignee: string | null; dueAt: string | null; note: string | null };
}
export interface CaseAlertsAdded {
  type: 'CaseAlertsAdded';
  data: { caseId: string; alertIds: string[] };
}
export interface CaseAssigned {
  type: 'CaseAssigned';
  data: { caseId: string; assignee: string | null };
}
export interface CaseNoteAdded {
  type: 'CaseNoteAdded';
  data: { caseId: string; note: string };
}
export interface CaseDueDateSet {
  type: 'CaseDueDateSet';
  data: { caseId: string; dueAt: string | null };
}
export interface CaseDecided {
  type: 'CaseDecided';
  data: { caseId: string; decision: CaseDecision; sarReference: string | null; note: string | null };
}
/** An account frozen or unfrozen from the case (the account's own stream records AccountFrozen/AccountUnfrozen with the case id in its reason). */
export interface CaseAccountFrozen {
  type: 'CaseAccountFrozen';
  data: { caseId: string; accountId: string; reason: string | null };
}
export interface CaseAccountUnfrozen {
  type: 'CaseAccountUnfrozen';
  data: { caseId: string; accountId: string; reason: string | null };
}

export type CaseEvent = CaseOpened | CaseAlertsAdded | CaseAssigned | CaseNoteAdded | CaseDueDateSet | CaseDecided | CaseAccountFrozen | CaseAccountUnfrozen;
export type CaseEventType = CaseEvent['type'];
export const CASE_EVENT_TYPES: readonly CaseEventType[] = ['CaseOpened', 'CaseAlertsAdded', 'CaseAssigned', 'CaseNoteAdded', 'CaseDueDateSet', 'CaseDecided', 'CaseAccountFrozen', 'CaseAccountUnfrozen'];
