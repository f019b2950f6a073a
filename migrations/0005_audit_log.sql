CREATE TABLE "audit_log" (
	"partition" integer NOT NULL,
	"position" bigint NOT NULL,
	"event_id" uuid NOT NULL,
	"occurred_at" text NOT NULL,
	"type" text NOT NULL,
	"account_id" text NOT NULL,
	"stream_version" integer NOT NULL,
	"transaction_id" text,
	"amount" numeric,
	"currency" text,
	"counterparty_account_id" text,
	"actor" text NOT NULL,
	"actor_role" text,
	"origin_ip" text,
	"origin_user_agent" text,
	"origin_request_id" text,
	"command_id" text NOT NULL,
	"correlation_id" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_partition_position_pk" PRIMARY KEY("partition","position")
);
--> statement-breakpoint
CREATE INDEX "audit_log_account_idx" ON "audit_log" USING btree ("account_id","partition","position");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor","partition","position");--> statement-breakpoint
CREATE INDEX "audit_log_time_idx" ON "audit_log" USING btree ("occurred_at");