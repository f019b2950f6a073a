import { type Hash, createHash } from 'node:crypto';

/**
 * The data hash of a report: SHA-256 over its data rows exactly as the CSV writes them (RFC 4180,
 * CRLF line ends, the header row excluded). The PDF prints it at the end; an auditor reproduces it
 * from the CSV with `tail -n +2 report.csv | sha256sum`.
 */
export class DataHash {
  private readonly hash: Hash = createHash('sha256');
  rows = 0;

  update(csvText: string, rows: number): void {
    this.hash.update(csvText, 'utf8');
    this.rows += rows;
  }

  hex(): string {
    return this.hash.copy().digest('hex');
  }
}
