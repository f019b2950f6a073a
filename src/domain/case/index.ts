import type { Decider } from '../decider.ts';
import { CASE_COMMAND_TYPES, type CaseCommand } from './commands.ts';
import { decideCase } from './decide.ts';
import { CASE_EVENT_TYPES, type CaseEvent } from './events.ts';
import { decodeCase, encodeCase, evolveCase, initialCaseState } from './state.ts';

export * from './commands.ts';
export * from './events.ts';
export type { CaseState } from './state.ts';

/** An analyst's case about one owner (stream id = case id). */
export const caseDecider: Decider<'case', CaseCommand, CaseEvent> = {
  name: 'case',
  commandTypes: CASE_COMMAND_TYPES,
  eventTypes: CASE_EVENT_TYPES,
  initialState: initialCaseState,
  decide: decideCase,
  evolve: evolveCase,
  encode: encodeCase,
  decode: decodeCase,
};
