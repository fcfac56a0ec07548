/**
 * Pull: what a terminal needs to serve a member it has never seen, changed since a cursor, in pages.
 *
 * The terminal keeps a partial replica of the server's journal: every member's record and cards,
 * and every transfer (with the lots it granted and drew), event and counter transaction booked at
 * any counter. Balances, open lots, tier spend, once-a-year rewards already granted and
 * memberships then come out of the terminal's own rules over its own tables, exactly as for the
 * members it enrolled itself — one code path, not a second "snapshot" model to keep in step.
 *
 * The cursor is opaque to the terminal (a change stamp: the server's change-log position on SQLite,
 * a committed transaction id on PostgreSQL) and only moves forward. A page is applied atomically
 * together with its cursor, so a crash mid-pull repeats at most one page, and re-applying a page is
 * harmless (everything is keyed by id). `latest` is the newest stamp when the page was read: the
 * terminal shows `(cursor − start) / (latest − start)` as its progress.
 *
 * Privacy: a member's phone and e-mail go only to terminals of the member's home store (where they
 * enrolled); other stores' terminals get the fields they need to serve the member (name, birthday,
 * consent, cards, PIN hash, QR reference) and `contactWithheld: true`, and must not write that record
 * back (they would wipe the contact fields).
 */
import { z } from 'zod';
import { syncEventSchema, syncMemberSchema, syncTransactionSchema, syncTransferSchema } from './sync.js';

/** At most this many entries (members, transfers, transactions, events) per page. */
export const MAX_PULL_LIMIT = 5000;

export const pullCursorSchema = z.string().regex(/^\d{1,19}$/, 'is a change stamp (digits)');

export const pullQuerySchema = z.strictObject({
  /** Absent on a terminal's first pull (from the beginning). */
  cursor: pullCursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_LIMIT).optional(),
  /** `1` after a restore: the terminal's own entries too (it lost those booked after its backup). */
  own: z.enum(['0', '1']).optional(),
});

export const pulledMemberSchema = z.strictObject({ member: syncMemberSchema, contactWithheld: z.boolean() });

export const pullResponseSchema = z.strictObject({
  cursor: pullCursorSchema,
  latest: pullCursorSchema,
  more: z.boolean(),
  members: z.array(pulledMemberSchema),
  transactions: z.array(syncTransactionSchema),
  transfers: z.array(syncTransferSchema),
  events: z.array(syncEventSchema),
});

/** `GET /v1/members/by-card?code=…`: one member's whole state, for a card this terminal has never seen. */
export const cardLookupQuerySchema = z.strictObject({ code: z.string().min(1).max(64) });

export const memberStateSchema = z.strictObject({
  members: z.array(pulledMemberSchema).max(1),
  transactions: z.array(syncTransactionSchema),
  transfers: z.array(syncTransferSchema),
  events: z.array(syncEventSchema),
});

export type PullQuery = z.output<typeof pullQuerySchema>;
export type PullResponse = z.output<typeof pullResponseSchema>;
export type PulledMember = z.output<typeof pulledMemberSchema>;
export type MemberState = z.output<typeof memberStateSchema>;
