import type { CommandContext, EngineCommand, ExecuteResult } from '../engine/ledger-engine.ts';

/**
 * How the API reaches the writer: in-process (the engine itself) or over Kafka
 * (`ledger.commands` / `ledger.replies`) when API nodes run apart from the engine.
 */
export interface CommandBus {
  execute(command: EngineCommand, ctx: CommandContext): Promise<ExecuteResult>;
}
