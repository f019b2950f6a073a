CREATE TABLE "idempotency_keys" (
	"partition" integer NOT NULL,
	"position" bigint NOT NULL,
	"command_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"refusal_code" text,
	"refusal_message" text,
	"refusal_field" text,
	CONSTRAINT "idempotency_keys_partition_position_pk" PRIMARY KEY("partition","position")
);
--> statement-breakpoint
CREATE INDEX "idempotency_keys_command_idx" ON "idempotency_keys" USING btree ("command_id");