-- The audit log is insert-only like the log it mirrors: UPDATE and DELETE are refused.
-- (A rebuild empties it with TRUNCATE, which stays allowed for the projection owner.)
CREATE OR REPLACE FUNCTION ledger_audit_log_insert_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is insert-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_log_insert_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION ledger_audit_log_insert_only();
