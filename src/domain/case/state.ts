import { assert, unreachable } from '../../assert.ts';
import type { CaseDecision, CaseEvent } from './events.ts';

/** A case's state: what its decisions need (the owner, the alerts, whether it is decided). */
export type CaseState =
  | { status: 'none' }
  | { status: 'open' | 'decided'; ownerId: string; alertIds: string[]; assignee: string | null; dueAt: string | null; decision: CaseDecision | null };

export const initialCaseState = (): CaseState => ({ status: 'none' });

export function evolveCase(state: CaseState, event: CaseEvent): CaseState {
  if (event.type === 'CaseOpened') {
    assert(state.status === 'none', () => `case ${event.data.caseId} opened twice`);
    const d = event.data;
    return { status: 'open', ownerId: d.ownerId, alertIds: [...d.alertIds], assignee: d.assignee, dueAt: d.dueAt, decision: null };
  }
  assert(state.status !== 'none', () => `${event.type} on case ${event.data.caseId}, which was never opened`);
  switch (event.type) {
    case 'CaseAlertsAdded':
      return { ...state, alertIds: [...state.alertIds, ...event.data.alertIds.filter((id) => !state.alertIds.includes(id))] };
    case 'CaseAssigned':
      return { ...state, assignee: event.data.assignee };
    case 'CaseDueDateSet':
      return { ...state, dueAt: event.data.dueAt };
    case 'CaseDecided':
      return { ...state, status: 'decided', decision: event.data.decision };
    case 'CaseNoteAdded':
    case 'CaseAccountFrozen':
    case 'CaseAccountUnfrozen':
      return state;
    default:
      return unreachable(event, 'case event');
  }
}

export const encodeCase = (state: CaseState): unknown => state;

export function decodeCase(json: unknown): CaseState {
  const s = json as CaseState;
  assert(s !== null && typeof s === 'object' && ['none', 'open', 'decided'].includes(s.status), () => `bad case snapshot ${JSON.stringify(json)}`);
  return s;
}
