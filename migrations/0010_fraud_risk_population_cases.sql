CREATE TABLE "fraud_cases" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"status" text NOT NULL,
	"alert_ids" text[] NOT NULL,
	"assignee" text,
	"due_at" text,
	"decision" text,
	"sar_reference" text,
	"frozen_accounts" text[] NOT NULL,
	"opened_by" text NOT NULL,
	"opened_at" text NOT NULL,
	"updated_at" text NOT NULL,
	"history" jsonb NOT NULL,
	"partition" integer NOT NULL,
	"position" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "case_id" text;--> statement-breakpoint
CREATE INDEX "fraud_cases_owner_idx" ON "fraud_cases" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "fraud_cases_status_idx" ON "fraud_cases" USING btree ("status","opened_at");