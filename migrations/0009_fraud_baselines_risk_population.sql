CREATE TABLE "fraud_population" (
	"currency" text NOT NULL,
	"kind" text NOT NULL,
	"bucket" integer NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "fraud_population_currency_kind_bucket_pk" PRIMARY KEY("currency","kind","bucket")
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "occurrences" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "last_seen_at" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "fraud_accounts" ADD COLUMN "baseline" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "fraud_accounts" ADD COLUMN "risk_score" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "fraud_accounts" ADD COLUMN "risk_at" text;--> statement-breakpoint
ALTER TABLE "fraud_accounts" ADD COLUMN "risk_factors" jsonb;--> statement-breakpoint
CREATE INDEX "alerts_owner_idx" ON "alerts" USING btree ("owner_id");