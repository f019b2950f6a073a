CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"owner_id" text,
	"overdraft_limit" numeric NOT NULL,
	"metadata" jsonb NOT NULL,
	"opened_at" text NOT NULL,
	"closed_at" text,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "balances" (
	"account_id" text PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"balance" numeric NOT NULL,
	"version" integer NOT NULL,
	"last_position" bigint NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"partition" integer NOT NULL,
	"position" bigint NOT NULL,
	"event_id" uuid NOT NULL,
	"type" text NOT NULL,
	"stream_id" text NOT NULL,
	"stream_version" integer NOT NULL,
	"occurred_at" text NOT NULL,
	"data" jsonb NOT NULL,
	"metadata" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "events_partition_position_pk" PRIMARY KEY("partition","position"),
	CONSTRAINT "events_event_id_unique" UNIQUE("event_id"),
	CONSTRAINT "events_stream_version_unique" UNIQUE("stream_id","stream_version")
);
--> statement-breakpoint
CREATE TABLE "journal_entries" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"partition" integer NOT NULL,
	"position" bigint NOT NULL,
	"account_id" text NOT NULL,
	"transaction_id" text NOT NULL,
	"kind" text NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"balance_after" numeric NOT NULL,
	"counterparty_account_id" text,
	"reference" text,
	"occurred_at" text NOT NULL,
	"stream_version" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projection_checkpoints" (
	"projection" text NOT NULL,
	"partition" integer NOT NULL,
	"position" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projection_checkpoints_projection_partition_pk" PRIMARY KEY("projection","partition")
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"from_account_id" text,
	"to_account_id" text,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"reference" text,
	"channel" text,
	"metadata" jsonb NOT NULL,
	"command_id" text NOT NULL,
	"actor" text NOT NULL,
	"partition" integer NOT NULL,
	"position" bigint NOT NULL,
	"occurred_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "writer_lease" (
	"id" integer PRIMARY KEY NOT NULL,
	"epoch" bigint NOT NULL,
	"holder" text NOT NULL,
	"acquired_at" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "accounts_owner_idx" ON "accounts" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "journal_account_version_idx" ON "journal_entries" USING btree ("account_id","stream_version");--> statement-breakpoint
CREATE INDEX "journal_account_time_idx" ON "journal_entries" USING btree ("account_id","occurred_at");--> statement-breakpoint
CREATE INDEX "journal_transaction_idx" ON "journal_entries" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "transactions_time_idx" ON "transactions" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "transactions_from_idx" ON "transactions" USING btree ("from_account_id");--> statement-breakpoint
CREATE INDEX "transactions_to_idx" ON "transactions" USING btree ("to_account_id");