import type { CommandContext, EngineCommand, ExecuteResult } from '../engine/ledger-engine.ts';

/**
 * How the API reaches the writer: in-process (the engine itself), or when API nodes (or a standby)
 * run apart from it over Kafka (`ledger.commands` / `ledger.replies`) or PostgreSQL (`command_inbox`).
 */
export interface CommandBus {
  execute(command: EngineCommand, ctx: CommandContext): Promise<ExecuteResult>;
}

/** A bus to a writer elsewhere (Kafka, PostgreSQL): it holds connections until closed. */
export interface ClosableBus extends CommandBus {
  close(): Promise<void>;
}
