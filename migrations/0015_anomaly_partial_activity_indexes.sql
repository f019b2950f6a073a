DROP INDEX "fraud_activity_owner_time_idx";--> statement-breakpoint
DROP INDEX "fraud_activity_time_idx";--> statement-breakpoint
CREATE INDEX "fraud_activity_owner_cash_time_idx" ON "fraud_activity" USING btree ("owner_id","occurred_at") WHERE "fraud_activity"."owner_id" is not null and "fraud_activity"."channel" is not null and "fraud_activity"."kind" in ('deposit', 'withdrawal');--> statement-breakpoint
CREATE INDEX "fraud_activity_outgoing_time_idx" ON "fraud_activity" USING btree ("occurred_at") WHERE "fraud_activity"."kind" <> 'transfer_in';--> statement-breakpoint
-- Room on each page for the next version of a row: the projector rewrites an account's profile at each of its movements, and these updates then stay on the page (HOT: no new index entries). Not in the drizzle schema (tables have no storage parameters there).
ALTER TABLE "fraud_accounts" SET (fillfactor = 70);