CREATE TABLE "command_inbox" (
	"request_id" uuid PRIMARY KEY NOT NULL,
	"reply_to" text NOT NULL,
	"message" text NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"claimed_by" text,
	"reply" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "command_inbox_open" ON "command_inbox" USING btree ("created_at") WHERE "command_inbox"."reply" is null;