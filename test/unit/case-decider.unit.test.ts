import { describe, it } from 'vitest';
import type { CaseCommand, CaseEvent } from '../../src/domain/case/index.ts';
import type { DomainEvent } from '../../src/domain/decider.ts';
import { given } from '../support/decider-spec.ts';

/** The case aggregate: given its events (and the accounts'), when an analyst's command, then events or a refusal. */

const C = 'case-1';
const opened: CaseEvent = { type: 'CaseOpened', data: { caseId: C, ownerId: 'owner-1', alertIds: ['balance_drain-a'], assignee: null, dueAt: null, note: null } };
const inCase = (event: CaseEvent) => ({ streamId: C, event });
const account = (id: string, ownerId: string): DomainEvent => ({ type: 'AccountOpened', data: { accountId: id, currency: 'USD', overdraftLimit: '0', ownerId, metadata: {} } }) as DomainEvent;
const decided: CaseEvent = { type: 'CaseDecided', data: { caseId: C, decision: 'no_action', sarReference: null, note: null } };

describe('case: opening and the analyst’s work', () => {
  it('opens a case for an owner with its alerts (duplicates dropped)', () => {
    given()
      .when({ type: 'OpenCase', caseId: C, ownerId: 'owner-1', alertIds: ['balance_drain-a', 'balance_drain-a'], assignee: 'ana', dueAt: '2026-02-01T00:00:00.000Z', note: 'takeover?' })
      .then({ type: 'CaseOpened', data: { caseId: C, ownerId: 'owner-1', alertIds: ['balance_drain-a'], assignee: 'ana', dueAt: '2026-02-01T00:00:00.000Z', note: 'takeover?' } });
  });
  it('refuses to open a case twice', () => {
    given(inCase(opened)).when({ type: 'OpenCase', caseId: C, ownerId: 'owner-1', alertIds: [], assignee: null, dueAt: null, note: null }).thenThrows('case_exists');
  });
  it('adds only alerts not in the case yet, and refuses when there are none', () => {
    given(inCase(opened)).when({ type: 'AddCaseAlerts', caseId: C, alertIds: ['balance_drain-a', 'mule_cash_out-b'] }).then({ type: 'CaseAlertsAdded', data: { caseId: C, alertIds: ['mule_cash_out-b'] } });
    given(inCase(opened)).when({ type: 'AddCaseAlerts', caseId: C, alertIds: ['balance_drain-a'] }).thenThrows('validation_failed', 'alertIds');
  });
  it('assigns, notes and sets a due date', () => {
    given(inCase(opened)).when({ type: 'AssignCase', caseId: C, assignee: 'bob' }).then({ type: 'CaseAssigned', data: { caseId: C, assignee: 'bob' } });
    given(inCase(opened)).when({ type: 'AddCaseNote', caseId: C, note: 'called the customer' }).then({ type: 'CaseNoteAdded', data: { caseId: C, note: 'called the customer' } });
    given(inCase(opened)).when({ type: 'SetCaseDueDate', caseId: C, dueAt: null }).then({ type: 'CaseDueDateSet', data: { caseId: C, dueAt: null } });
  });
  it('refuses changes to a case that does not exist', () => {
    given().when({ type: 'AddCaseNote', caseId: C, note: 'x' }).thenThrows('case_not_found');
  });
});

describe('case: decision', () => {
  const decide = (decision: 'no_action' | 'sar_filed', sarReference: string | null): CaseCommand => ({ type: 'DecideCase', caseId: C, decision, sarReference, note: null });
  it('records a SAR filed with its reference, and no action without one', () => {
    given(inCase(opened)).when(decide('sar_filed', 'SAR-2026-0042')).then({ type: 'CaseDecided', data: { caseId: C, decision: 'sar_filed', sarReference: 'SAR-2026-0042', note: null } });
    given(inCase(opened)).when(decide('no_action', 'ignored')).then({ type: 'CaseDecided', data: { caseId: C, decision: 'no_action', sarReference: null, note: null } });
  });
  it('refuses a SAR without its reference', () => {
    given(inCase(opened)).when(decide('sar_filed', null)).thenThrows('validation_failed', 'sarReference');
  });
  it('takes no changes once decided', () => {
    given(inCase(opened), inCase(decided)).when(decide('no_action', null)).thenThrows('case_closed');
    given(inCase(opened), inCase(decided)).when({ type: 'AssignCase', caseId: C, assignee: 'x' }).thenThrows('case_closed');
  });
});

describe('case: freezing an account', () => {
  it('freezes an account of the owner: the account’s event names the case, and the case records it', () => {
    given(account('acc-1', 'owner-1'), inCase(opened))
      .when({ type: 'FreezeAccountFromCase', caseId: C, accountId: 'acc-1', reason: 'takeover' })
      .thenDecided(
        { streamId: 'acc-1', event: { type: 'AccountFrozen', data: { accountId: 'acc-1', reason: `case ${C}: takeover` } } },
        { streamId: C, event: { type: 'CaseAccountFrozen', data: { caseId: C, accountId: 'acc-1', reason: 'takeover' } } },
      );
  });
  it('unfreezes it again, from the same case', () => {
    const frozen: DomainEvent = { type: 'AccountFrozen', data: { accountId: 'acc-1', reason: `case ${C}` } };
    given(account('acc-1', 'owner-1'), frozen, inCase(opened))
      .when({ type: 'UnfreezeAccountFromCase', caseId: C, accountId: 'acc-1', reason: null })
      .thenDecided(
        { streamId: 'acc-1', event: { type: 'AccountUnfrozen', data: { accountId: 'acc-1', reason: `case ${C}` } } },
        { streamId: C, event: { type: 'CaseAccountUnfrozen', data: { caseId: C, accountId: 'acc-1', reason: null } } },
      );
  });
  it('refuses an account of another owner, an unknown account, and one already frozen', () => {
    given(account('acc-2', 'owner-2'), inCase(opened)).when({ type: 'FreezeAccountFromCase', caseId: C, accountId: 'acc-2', reason: null }).thenThrows('account_not_in_case', 'accountId');
    given(inCase(opened)).when({ type: 'FreezeAccountFromCase', caseId: C, accountId: 'nope', reason: null }).thenThrows('account_not_found');
    given(account('acc-1', 'owner-1'), { type: 'AccountFrozen', data: { accountId: 'acc-1', reason: null } }, inCase(opened)).when({ type: 'FreezeAccountFromCase', caseId: C, accountId: 'acc-1', reason: null }).thenThrows('account_frozen');
  });
});
