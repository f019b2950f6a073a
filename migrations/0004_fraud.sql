CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"rule" text NOT NULL,
	"severity" text NOT NULL,
	"score" integer NOT NULL,
	"account_id" text NOT NULL,
	"account_ids" text[] NOT NULL,
	"currency" text NOT NULL,
	"amount" numeric NOT NULL,
	"status" text NOT NULL,
	"summary" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"params" jsonb NOT NULL,
	"history" jsonb NOT NULL,
	"trigger_event_id" uuid NOT NULL,
	"raised_at" text NOT NULL,
	"updated_at" text NOT NULL,
	"partition" integer NOT NULL,
	"position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fraud_accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"owner_id" text,
	"currency" text NOT NULL,
	"opened_at" text,
	"last_activity_at" text,
	"last_alert_at" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fraud_activity" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"transaction_id" text NOT NULL,
	"account_id" text NOT NULL,
	"owner_id" text,
	"kind" text NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"balance_after" numeric NOT NULL,
	"counterparty_id" text,
	"channel" text,
	"occurred_at" text NOT NULL,
	"position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fraud_counterparties" (
	"account_id" text NOT NULL,
	"counterparty_id" text NOT NULL,
	"currency" text NOT NULL,
	"out_count" integer NOT NULL,
	"out_amount" numeric NOT NULL,
	"in_count" integer NOT NULL,
	"in_amount" numeric NOT NULL,
	"first_at" text NOT NULL,
	"last_at" text NOT NULL,
	CONSTRAINT "fraud_counterparties_account_id_counterparty_id_pk" PRIMARY KEY("account_id","counterparty_id")
);
--> statement-breakpoint
CREATE TABLE "fraud_flow_tags" (
	"account_id" text NOT NULL,
	"tag_id" text NOT NULL,
	"origin_id" text NOT NULL,
	"path" jsonb NOT NULL,
	"amount" numeric NOT NULL,
	"started_at" text NOT NULL,
	"evidence" jsonb NOT NULL,
	CONSTRAINT "fraud_flow_tags_account_id_tag_id_pk" PRIMARY KEY("account_id","tag_id")
);
--> statement-breakpoint
CREATE INDEX "alerts_raised_idx" ON "alerts" USING btree ("raised_at","id");--> statement-breakpoint
CREATE INDEX "alerts_status_raised_idx" ON "alerts" USING btree ("status","raised_at");--> statement-breakpoint
CREATE INDEX "alerts_rule_raised_idx" ON "alerts" USING btree ("rule","raised_at");--> statement-breakpoint
CREATE INDEX "alerts_account_raised_idx" ON "alerts" USING btree ("account_id","raised_at");--> statement-breakpoint
CREATE INDEX "alerts_account_ids_idx" ON "alerts" USING gin ("account_ids");--> statement-breakpoint
CREATE INDEX "fraud_accounts_owner_idx" ON "fraud_accounts" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "fraud_activity_account_time_idx" ON "fraud_activity" USING btree ("account_id","occurred_at");--> statement-breakpoint
CREATE INDEX "fraud_activity_owner_time_idx" ON "fraud_activity" USING btree ("owner_id","occurred_at");--> statement-breakpoint
CREATE INDEX "fraud_activity_time_idx" ON "fraud_activity" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "fraud_counterparties_counterparty_idx" ON "fraud_counterparties" USING btree ("counterparty_id");--> statement-breakpoint
CREATE INDEX "fraud_flow_tags_started_idx" ON "fraud_flow_tags" USING btree ("started_at");