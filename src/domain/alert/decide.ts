import { unreachable } from '../../assert.ts';
import type { Decided, StateView } from '../decider.ts';
import { DomainError } from '../errors.ts';
import type { AlertCommand } from './commands.ts';
import type { AlertEvent, AlertStatus, AlertTargetStatus } from './events.ts';

/** The lifecycle: open → investigating | dismissed | escalated; investigating → dismissed | escalated. Dismissed and escalated are final. */
export const ALERT_TRANSITIONS: Readonly<Record<AlertStatus, readonly AlertTargetStatus[]>> = {
  open: ['investigating', 'dismissed', 'escalated'],
  investigating: ['dismissed', 'escalated'],
  dismissed: [],
  escalated: [],
};

/** decide(command, view) → events, or a DomainError. Pure. */
export function decideAlert(command: AlertCommand, view: StateView): Decided<AlertEvent>[] {
  switch (command.type) {
    case 'ChangeAlertStatus': {
      const state = view.get('alert', command.alertId);
      if (!ALERT_TRANSITIONS[state.status].includes(command.status)) {
        throw new DomainError('invalid_alert_transition', `alert ${command.alertId} is ${state.status}; it cannot become ${command.status}`, 'status');
      }
      return [{ streamId: command.alertId, event: { type: 'AlertStatusChanged', data: { alertId: command.alertId, from: state.status, to: command.status, note: command.note } } }];
    }
    case 'RaiseAlert': {
      const { type: _t, ...data } = command;
      if (view.get('alert', command.alertId).raised) throw new DomainError('alert_exists', `alert ${command.alertId} was raised already`, 'alertId');
      return [{ streamId: command.alertId, event: { type: 'AlertRaised', data } }];
    }
    default:
      return unreachable(command, 'alert command');
  }
}
