CREATE TABLE "holds" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"counterparty_account_id" text,
	"status" text NOT NULL,
	"amount" numeric NOT NULL,
	"captured" numeric NOT NULL,
	"currency" text NOT NULL,
	"expires_at" text,
	"reference" text,
	"metadata" jsonb NOT NULL,
	"placed_at" text NOT NULL,
	"updated_at" text NOT NULL,
	"version" integer NOT NULL,
	"position" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "balances" ADD COLUMN "held" numeric DEFAULT 0;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "reversal_of" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "hold_id" text;--> statement-breakpoint
CREATE INDEX "holds_account_idx" ON "holds" USING btree ("account_id","placed_at");--> statement-breakpoint
CREATE INDEX "transactions_reversal_of_idx" ON "transactions" USING btree ("reversal_of");