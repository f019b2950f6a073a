import { unreachable } from '../../assert.ts';
import type { Decided, DecisionContext, StateView } from '../decider.ts';
import { DomainError } from '../errors.ts';
import type { CaseCommand } from './commands.ts';
import type { CaseEvent } from './events.ts';
import type { CaseState } from './state.ts';

type OpenCase = Exclude<CaseState, { status: 'none' }>;

/** The case, open (not yet decided), or the refusal. */
function openCase(view: StateView, caseId: string): OpenCase {
  const state = view.get('case', caseId);
  if (state.status === 'none') throw new DomainError('case_not_found', `case ${caseId} does not exist`);
  if (state.status === 'decided') throw new DomainError('case_closed', `case ${caseId} is decided; it takes no more changes`);
  return state as OpenCase;
}

const one = (caseId: string, event: CaseEvent): Decided[] => [{ streamId: caseId, event }];

/** decide(command, view) → events, or a DomainError. Pure. */
export function decideCase(command: CaseCommand, view: StateView, ctx: DecisionContext): Decided[] {
  const { caseId } = command;
  switch (command.type) {
    case 'OpenCase': {
      if (view.get('case', caseId).status !== 'none') throw new DomainError('case_exists', `case ${caseId} already exists`);
      const { type: _t, ...data } = command;
      return one(caseId, { type: 'CaseOpened', data: { ...data, alertIds: [...new Set(data.alertIds)] } });
    }
    case 'AddCaseAlerts': {
      const state = openCase(view, caseId);
      const alertIds = [...new Set(command.alertIds)].filter((id) => !state.alertIds.includes(id));
      if (!alertIds.length) throw new DomainError('validation_failed', `every alert is in case ${caseId} already`, 'alertIds');
      return one(caseId, { type: 'CaseAlertsAdded', data: { caseId, alertIds } });
    }
    case 'AssignCase':
      openCase(view, caseId);
      return one(caseId, { type: 'CaseAssigned', data: { caseId, assignee: command.assignee } });
    case 'AddCaseNote':
      openCase(view, caseId);
      return one(caseId, { type: 'CaseNoteAdded', data: { caseId, note: command.note } });
    case 'SetCaseDueDate':
      openCase(view, caseId);
      return one(caseId, { type: 'CaseDueDateSet', data: { caseId, dueAt: command.dueAt } });
    case 'DecideCase': {
      openCase(view, caseId);
      if (command.decision === 'sar_filed' && !command.sarReference) throw new DomainError('validation_failed', 'a SAR filed needs its reference', 'sarReference');
      const sarReference = command.decision === 'sar_filed' ? command.sarReference : null;
      return one(caseId, { type: 'CaseDecided', data: { caseId, decision: command.decision, sarReference, note: command.note } });
    }
    case 'FreezeAccountFromCase':
    case 'UnfreezeAccountFromCase':
      return freezeFromCase(command, view, ctx);
    default:
      return unreachable(command, 'case command');
  }
}

/** The account's own freeze (or unfreeze), its reason naming the case, and the case's record of it; only an account of the case's owner. */
function freezeFromCase(command: Extract<CaseCommand, { type: 'FreezeAccountFromCase' | 'UnfreezeAccountFromCase' }>, view: StateView, ctx: DecisionContext): Decided[] {
  const state = openCase(view, command.caseId);
  const account = view.get('account', command.accountId);
  if (account.status === 'none') throw new DomainError('account_not_found', `account ${command.accountId} does not exist`, 'accountId');
  if (account.ownerId !== state.ownerId) throw new DomainError('account_not_in_case', `account ${command.accountId} does not belong to owner ${state.ownerId} of case ${command.caseId}`, 'accountId');
  const reason = `case ${command.caseId}${command.reason ? `: ${command.reason}` : ''}`;
  const freeze = command.type === 'FreezeAccountFromCase';
  const decided = ctx.decide({ type: freeze ? 'FreezeAccount' : 'UnfreezeAccount', accountId: command.accountId, reason }, view);
  const data = { caseId: command.caseId, accountId: command.accountId, reason: command.reason };
  return [...decided, { streamId: command.caseId, event: freeze ? { type: 'CaseAccountFrozen', data } : { type: 'CaseAccountUnfrozen', data } }];
}
