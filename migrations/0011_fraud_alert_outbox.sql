CREATE TABLE "fraud_alert_outbox" (
	"alert_id" text PRIMARY KEY NOT NULL,
	"trigger_partition" integer NOT NULL,
	"trigger_position" bigint NOT NULL,
	"command" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fraud_alert_reactor" (
	"partition" integer PRIMARY KEY NOT NULL,
	"raised_up_to" bigint NOT NULL
);
