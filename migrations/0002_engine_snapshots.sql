CREATE TABLE "engine_snapshots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"log_id" text NOT NULL,
	"taken_at" text NOT NULL,
	"heads" jsonb NOT NULL,
	"data" "bytea" NOT NULL
);
