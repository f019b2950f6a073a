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
