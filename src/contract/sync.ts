/**
 * The sync protocol between a terminal and the central server: what a terminal sends when it
 * enrols and when it pushes its outbox, and what the server answers. One definition, used by the
 * terminal's client, the server's routes (every body validated against it) and the OpenAPI
 * document the server serves.
 *
 * Push, in one paragraph: the terminal sends its outbox in order, one (terminal, epoch) at a time:
 * `{ epoch, fromSeq, items }`. The transfers in a batch carry the sequence numbers `fromSeq …`
 * without a gap, and `fromSeq` must be the server's `lastSeq + 1` for that epoch (else 409 with the
 * server's `lastSeq`). Each item is answered `ok` (applied now), `exists` (already there with the
 * same identity: fine, a resend) or `exists_with_different` (the same id or business key with another
 * identity: never merged, an alert for the managers). The terminal marks outbox rows acknowledged
 * only from such an answer; a lost answer means a resend, never a loss.
 */
import { z } from 'zod';

const id = z.string().min(1).max(128);
const placeId = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is 1-32 letters, digits, dots, dashes or underscores');
const instant = z.number().int().nonnegative();
const json = z.record(z.string(), z.unknown());

export const syncLotSchema = z.strictObject({ id, points: z.number().int().positive(), earnedAt: instant, expiresAt: instant.nullable() });
export const syncLotDrawSchema = z.strictObject({ lotId: id, points: z.number().int().positive() });

/** A transfer as the terminal booked it, with the lots it granted and the lots it drew from. */
export const syncTransferSchema = z.strictObject({
  id,
  storeId: placeId,
  terminalId: placeId,
  epoch: z.number().int().positive(),
  seq: z.number().int().positive(),
  kind: z.string().min(1).max(64),
  unit: z.enum(['points', 'money']),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  debitAccount: z.string().min(1).max(200),
  creditAccount: z.string().min(1).max(200),
  memberId: id,
  businessKey: z.string().min(1).max(400),
  periodKind: z.string().max(100).nullable(),
  period: z.string().max(100).nullable(),
  transactionId: id.nullable(),
  posTxnId: z.string().max(200).nullable(),
  cashier: z.string().max(64).nullable(),
  moneyAmount: z.number().int().max(Number.MAX_SAFE_INTEGER).nullable(),
  currency: z.string().length(3),
  programId: z.string().min(1).max(64),
  programVersion: z.number().int().positive(),
  earnRatePoints: z.number().int().nullable(),
  earnRatePer: z.number().int().nullable(),
  effectiveAt: instant,
  bookedAt: instant,
  localTime: z.string().max(40),
  detail: json,
  lotsGranted: z.array(syncLotSchema).max(100),
  lotsDrawn: z.array(syncLotDrawSchema).max(1000),
});

/** A counter command (checkout, return, …) as recorded: request (no personal data), record, result. */
export const syncTransactionSchema = z.strictObject({
  id,
  storeId: placeId,
  terminalId: placeId,
  kind: z.enum(['checkout', 'return', 'action', 'donation', 'membership', 'enrolment', 'adjustment']),
  txnId: z.string().min(1).max(200),
  memberId: id,
  originalId: id.nullable(),
  requestHash: z.string().regex(/^[0-9a-f]{64}$/),
  request: z.unknown(),
  record: z.unknown(),
  result: z.unknown(),
  cashier: z.string().max(64).nullable(),
  createdAt: instant,
});

export const syncEventSchema = z.strictObject({
  id,
  memberId: id,
  kind: z.string().min(1).max(64),
  period: z.string().min(1).max(100),
  businessKey: z.string().min(1).max(400),
  terminalId: placeId,
  detail: json,
  bookedAt: instant,
});

/** One version of a member record (personal data included: the server's copy is erasable too). */
export const syncMemberSchema = z.strictObject({
  id,
  version: z.number().int().positive(),
  name: z.string().max(200).nullable(),
  phone: z.string().max(40).nullable(),
  email: z.string().max(320).nullable(),
  birthday: z.string().max(10).nullable(),
  marketingConsent: z.boolean(),
  enrolledAt: instant,
  enrolledBy: placeId,
  qrRef: z.string().regex(/^[A-Za-z0-9_-]{16}$/).nullable(),
  pinHash: z.string().max(200).nullable(),
  erasedAt: instant.nullable(),
  updatedAt: instant,
  cards: z.array(z.string().min(1).max(64)).max(10),
});

export const pushItemSchema = z.discriminatedUnion('entity', [
  z.strictObject({ entity: z.literal('transfer'), transfer: syncTransferSchema }),
  z.strictObject({ entity: z.literal('transaction'), transaction: syncTransactionSchema }),
  z.strictObject({ entity: z.literal('event'), event: syncEventSchema }),
  z.strictObject({ entity: z.literal('member'), member: syncMemberSchema }),
]);

/** At most this many items per push (a terminal with more sends several batches). */
export const MAX_PUSH_ITEMS = 1000;

export const pushRequestSchema = z.strictObject({
  epoch: z.number().int().positive(),
  fromSeq: z.number().int().positive(),
  items: z.array(pushItemSchema).max(MAX_PUSH_ITEMS),
});

export const pushStatusSchema = z.enum(['ok', 'exists', 'exists_with_different']);

export const pushResponseSchema = z.strictObject({
  /** The last sequence number the server holds for this terminal and epoch, after this batch. */
  lastSeq: z.number().int().nonnegative(),
  results: z.array(z.strictObject({ entity: z.enum(['transfer', 'transaction', 'event', 'member']), id, version: z.number().int().positive().optional(), status: pushStatusSchema })),
  /**
   * The batch's transactions booked under a hold that had expired when they arrived, which the
   * server counted against the offline budget they named as fallback (on a resend too). The terminal
   * keeps counting those against that budget; its other held spends are settled (their hold was
   * posted, or there was nothing to count) and no longer take room in it. Absent: none.
   */
  countedHolds: z.array(id).max(MAX_PUSH_ITEMS).optional(),
});

/** 409: the batch does not continue the terminal's sequence for its epoch. */
export const sequenceConflictSchema = z.strictObject({ error: z.strictObject({ code: z.literal('sequence'), message: z.string() }), lastSeq: z.number().int().nonnegative() });

/** The terminal's own Ed25519 key for slips' member QR codes: the server certifies its public half. */
export const enrolRequestSchema = z.strictObject({
  code: z.string().regex(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/, 'is an enrolment code like ABCD-EFGH-JKLM'),
  terminalKeyId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  terminalPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

export const enrolResponseSchema = z.strictObject({
  storeId: placeId,
  terminalId: placeId,
  timeZone: z.string().min(1).max(64),
  /** The terminal's bearer credential for every later request; the server keeps only its hash. */
  credential: z.string().regex(/^tly_[A-Za-z0-9_-]{43}$/),
  /** The program file as head office signed it. */
  program: z.string().min(2).max(1024 * 1024),
  /** The program keys the terminal trusts from now on. */
  programKeys: z.array(z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })).min(1),
  certificate: z.strictObject({
    issuerKeyId: z.string(),
    terminalKeyId: z.string(),
    storeId: placeId,
    terminalId: placeId,
    terminalPublicKey: z.string(),
    expiresAt: instant,
    signature: z.string(),
  }),
});

/** `GET /v1/sequences`: the last sequence number the server holds per epoch of the calling terminal (a restored or re-installed terminal asks). */
export const sequencesResponseSchema = z.strictObject({ sequences: z.array(z.strictObject({ epoch: z.number().int().positive(), lastSeq: z.number().int().nonnegative() })) });

/** `GET /v1/health`: the server's clock (terminals compare it with their own). */
export const healthResponseSchema = z.strictObject({ ok: z.literal(true), time: z.number().int() });

export const errorResponseSchema = z.strictObject({ error: z.strictObject({ code: z.string(), message: z.string() }) });

export type SyncTransfer = z.output<typeof syncTransferSchema>;
export type SyncTransaction = z.output<typeof syncTransactionSchema>;
export type SyncEvent = z.output<typeof syncEventSchema>;
export type SyncMember = z.output<typeof syncMemberSchema>;
export type PushItem = z.output<typeof pushItemSchema>;
export type PushRequest = z.output<typeof pushRequestSchema>;
export type PushResponse = z.output<typeof pushResponseSchema>;
export type PushStatus = z.output<typeof pushStatusSchema>;
export type EnrolRequest = z.output<typeof enrolRequestSchema>;
export type EnrolResponse = z.output<typeof enrolResponseSchema>;
