import type { CommandContext, EngineCommand, ExecuteResult } from '../engine/ledger-engine.ts';
import { WriterStandbyError } from '../engine/ledger-engine.ts';
import { LogUnavailableError } from '../log/event-log.ts';
import type { ClosableBus, CommandBus } from './command-bus.ts';

/**
 * The commands of a process that runs an engine beside its API: its own engine while it is the
 * writer; while it stands by, forwarded to whichever instance is (over the same bus an API-only node
 * uses). A command the engine refused only because it stepped down meanwhile was not decided: it is
 * forwarded too. The command id travels with it, so it lands once whichever writer takes it.
 */
export class WriterOrForward implements ClosableBus {
  /** Started on first use: a writer that never stands by never opens it. */
  private forwarder: Promise<ClosableBus> | null = null;

  constructor(
    private readonly engine: CommandBus & { readonly isWriter: boolean },
    private readonly startForwarder: () => Promise<ClosableBus>,
  ) {}

  async execute(command: EngineCommand, ctx: CommandContext): Promise<ExecuteResult> {
    if (this.engine.isWriter) {
      try {
        return await this.engine.execute(command, ctx);
      } catch (err) {
        if (!(err instanceof WriterStandbyError)) throw err;
      }
    }
    return (await this.forward()).execute(command, ctx);
  }

  private forward(): Promise<ClosableBus> {
    this.forwarder ??= this.startForwarder().catch((err: unknown) => {
      this.forwarder = null;
      throw new LogUnavailableError(`this instance stands by and cannot reach the writer: ${(err as Error).message}`, { cause: err });
    });
    return this.forwarder;
  }

  async close(): Promise<void> {
    const forwarder = this.forwarder;
    this.forwarder = null;
    await (await forwarder?.catch(() => null))?.close();
  }
}
