CREATE TABLE "gl_accounts" (
	"code" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"gl_class" text NOT NULL,
	"currency" text NOT NULL,
	"customer_account_id" text,
	"owner_id" text,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gl_postings" (
	"event_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"event_type" text NOT NULL,
	"transaction_id" text NOT NULL,
	"partition" integer NOT NULL,
	"position" bigint NOT NULL,
	"gl_account" text NOT NULL,
	"side" text NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"occurred_at" text NOT NULL,
	CONSTRAINT "gl_postings_event_id_line_pk" PRIMARY KEY("event_id","line")
);
--> statement-breakpoint
CREATE INDEX "gl_accounts_owner_idx" ON "gl_accounts" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "gl_postings_account_time_idx" ON "gl_postings" USING btree ("gl_account","occurred_at");--> statement-breakpoint
CREATE INDEX "gl_postings_position_idx" ON "gl_postings" USING btree ("partition","position");