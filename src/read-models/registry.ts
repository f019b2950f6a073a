import type { Db } from '../db/client.ts';
import type { FraudConfig } from '../domain/fraud/config.ts';
import type { Projection } from '../projections/projection.ts';
import { type AlertsRaised, type AnomalyReadModel, anomalyReadModel } from './anomaly/index.ts';
import { type AuditReadModel, auditReadModel } from './audit/index.ts';
import { type GeneralLedgerReadModel, generalLedgerReadModel } from './general-ledger/index.ts';
import { type IdempotencyReadModel, idempotencyReadModel } from './idempotency/index.ts';
import { type LedgerReadModel, ledgerReadModel } from './ledger/index.ts';
import { type PositionSource, projectedPositions } from './read-model.ts';

/** Every read model of the system. Adding one is a slice folder plus a line here and in projections(). */
export interface ReadModels {
  ledger: LedgerReadModel;
  audit: AuditReadModel;
  anomaly: AnomalyReadModel;
  generalLedger: GeneralLedgerReadModel;
  /** Every command id of the log: the engine's idempotency index beyond what it keeps in memory. */
  idempotency: IdempotencyReadModel;
}

export interface ReadModelOptions {
  /** The log's partition count (responses name the partition of an account). */
  partitions: number;
  /** The anomaly rules' thresholds. */
  fraud: FraudConfig;
  /** Told of the alerts each anomaly batch raised (metrics). */
  onAlerts?: AlertsRaised;
  /** Where slices read their position; default: the checkpoints stored in PostgreSQL. */
  positions?: PositionSource;
}

/** The read-model registry: the one place that lists the slices (serve, rebuild, report, verify, bench). */
export function readModels(db: Db, options: ReadModelOptions): ReadModels {
  const positions = options.positions ?? projectedPositions(db);
  return {
    ledger: ledgerReadModel(db, options.partitions, positions),
    audit: auditReadModel(db, positions),
    anomaly: anomalyReadModel(db, options.fraud, positions, options.onAlerts),
    generalLedger: generalLedgerReadModel(db, positions),
    idempotency: idempotencyReadModel(db, options.partitions, positions),
  };
}

/** Every read model's projection, in the order projectors start and rebuilds run. */
export function projections(models: ReadModels): Projection[] {
  return [models.ledger.projection, models.audit.projection, models.anomaly.projection, models.generalLedger.projection, models.idempotency.projection];
}
