DROP INDEX "journal_transaction_idx";--> statement-breakpoint
DROP INDEX "transactions_reversal_of_idx";--> statement-breakpoint
DROP INDEX "transactions_from_idx";--> statement-breakpoint
DROP INDEX "transactions_to_idx";--> statement-breakpoint
DROP INDEX "gl_postings_position_idx";