import type { Readable, Writable } from 'node:stream';

export class ReportAbortedError extends Error {
  override readonly name = 'ReportAbortedError';
}

/** Writes a chunk; when the stream's buffer is full, waits until it drains (or fails if it closed). */
export async function writeWithBackpressure(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ReportAbortedError('the output was closed before the report was complete');
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new ReportAbortedError('the output was closed before the report was complete'));
    };
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onClose);
  });
}

/** Waits while a readable producer (pdfkit) holds more than `limit` bytes its reader has not taken yet. */
export async function waitForReader(source: Readable, sink: Writable, limit: number): Promise<void> {
  while (source.readableLength > limit) {
    if (sink.destroyed) throw new ReportAbortedError('the output was closed before the report was complete');
    await new Promise<void>((resolve) => {
      const done = () => {
        source.off('data', done);
        sink.off('close', done);
        resolve();
      };
      source.on('data', done);
      sink.on('close', done);
    });
  }
}
