import type { Db } from '../../db/client.ts';
import { type PositionSource, type ReadModel, readModel } from '../read-model.ts';
import { auditProjection } from './projection.ts';
import { type AuditQueries, auditQueries } from './queries.ts';

export { auditProjection } from './projection.ts';
export type { AuditQueries } from './queries.ts';

/** audit_log: every event with actor, origin and hash; the audit API and the audit-trail report read it. */
export type AuditReadModel = ReadModel<AuditQueries>;

export function auditReadModel(db: Db, positions: PositionSource): AuditReadModel {
  return readModel(auditProjection, auditQueries(db), positions);
}
