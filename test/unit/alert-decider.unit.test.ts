import { describe, it } from 'vitest';
import type { AlertEvent, AlertTargetStatus } from '../../src/domain/alert/index.ts';
import { given } from '../support/decider-spec.ts';

const moved = (from: 'open' | AlertTargetStatus, to: AlertTargetStatus): AlertEvent => ({ type: 'AlertStatusChanged', data: { alertId: 'x', from, to, note: null } });
const change = (status: AlertTargetStatus, note: string | null = null) => ({ type: 'ChangeAlertStatus' as const, alertId: 'x', status, note });

describe('alert lifecycle (decider)', () => {
  it('open → investigating → escalated', () => {
    given().when(change('investigating', 'looking')).then({ type: 'AlertStatusChanged', data: { alertId: 'x', from: 'open', to: 'investigating', note: 'looking' } });
    given(moved('open', 'investigating')).when(change('escalated')).then(moved('investigating', 'escalated'));
  });

  it('refuses moves out of a final status, and back to investigating twice', () => {
    given(moved('open', 'dismissed')).when(change('investigating')).thenThrows('invalid_alert_transition', 'status');
    given(moved('open', 'escalated')).when(change('dismissed')).thenThrows('invalid_alert_transition');
    given(moved('open', 'investigating')).when(change('investigating')).thenThrows('invalid_alert_transition');
  });
});

describe('alert raised by the detector (decider)', () => {
  const data = {
    alertId: 'x',
    rule: 'balance_drain',
    severity: 'high',
    score: 80,
    accountId: 'acc-1',
    accountIds: ['acc-1', 'acc-2'],
    ownerId: 'owner-1',
    currency: 'USD',
    amount: '2500.00',
    summary: 'drained',
    triggerEventId: 'evt-1',
    triggerPartition: 0,
    triggerPosition: 42,
    raisedAt: '2026-03-02T09:00:00.000Z',
  };
  const raised: AlertEvent = { type: 'AlertRaised', data };
  it('records the alert once', () => {
    given().when({ type: 'RaiseAlert', ...data }).then(raised);
    given(raised).when({ type: 'RaiseAlert', ...data }).thenThrows('alert_exists', 'alertId');
  });
  it('keeps its lifecycle: a raised alert is open, and moves on as before', () => {
    given(raised).when(change('dismissed')).then(moved('open', 'dismissed'));
    given(raised, moved('open', 'escalated')).when(change('dismissed')).thenThrows('invalid_alert_transition');
  });
});
