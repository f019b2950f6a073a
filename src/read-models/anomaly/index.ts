import type { Db } from '../../db/client.ts';
import type { FraudConfig } from '../../domain/fraud/config.ts';
import { type PositionSource, type ReadModel, readModel } from '../read-model.ts';
import { type AlertsRaised, anomalyProjection } from './projection.ts';
import { type FraudQueries, fraudQueries } from './queries.ts';

export { type AlertsRaised, anomalyProjection } from './projection.ts';
export { type FraudQueries, decodeCursor, fraudQueries } from './queries.ts';

/** Alerts, their evidence and the rules' state (activity windows, profiles, counterparties): fraud detection reads them. */
export type AnomalyReadModel = ReadModel<FraudQueries>;

export function anomalyReadModel(db: Db, fraud: FraudConfig, positions: PositionSource, onAlerts?: AlertsRaised): AnomalyReadModel {
  return readModel(anomalyProjection(fraud, onAlerts), fraudQueries(db, fraud), positions);
}
