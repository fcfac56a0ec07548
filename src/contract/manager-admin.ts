/**
 * What the manager screen reads from the replies the contract types loosely (`history`,
 * `printer-list`, `print-queue`, `program-current`): a screen checks each with these schemas before
 * it shows a field, as it does terminal-info, so a host of another version is caught at the border
 * (`bad-reply`) instead of drawing `undefined` on a manager's screen. Fields the screen does not
 * read are let through unchecked (the host may send more).
 */
import { z } from 'zod';

/** One transfer of a member's history, signed from the member's point of view. */
export const historyEntrySchema = z.looseObject({
  id: z.string(),
  kind: z.string(),
  unit: z.enum(['points', 'money']),
  points: z.number().int(),
  money: z.number().int().nullable(),
  currency: z.string(),
  bookedAt: z.number().int(),
  posTxnId: z.string().nullable(),
  terminalId: z.string(),
});
export type HistoryEntryInfo = z.output<typeof historyEntrySchema>;
export const historyReplySchema = z.looseObject({ memberId: z.string(), entries: z.array(historyEntrySchema) });

export const printerInfoSchema = z.looseObject({
  id: z.string(),
  transport: z.discriminatedUnion('kind', [
    z.looseObject({ kind: z.literal('tcp'), host: z.string(), port: z.number().int(), timeoutMs: z.number().int() }),
    z.looseObject({ kind: z.literal('serial'), path: z.string(), timeoutMs: z.number().int() }),
    z.looseObject({ kind: z.literal('usb'), path: z.string(), timeoutMs: z.number().int() }),
  ]),
  profileId: z.string(),
  language: z.enum(['en', 'ko']),
  enabled: z.boolean(),
});
export type PrinterInfo = z.output<typeof printerInfoSchema>;
/** The printers, and the printer models (profiles) a new one may be (absent from hosts before they were sent). */
export const printerListReplySchema = z.looseObject({
  printers: z.array(printerInfoSchema),
  profiles: z.array(z.looseObject({ id: z.string(), name: z.string() })).optional(),
});

export const PRINT_JOB_STATES = ['pending', 'printing', 'printed', 'cancelled'] as const;
export const printJobSchema = z.looseObject({
  id: z.number().int(),
  printerId: z.string(),
  transactionId: z.string().nullable(),
  kind: z.enum(['slip', 'reprint', 'test']),
  state: z.enum(PRINT_JOB_STATES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.number().int(),
  printedAt: z.number().int().nullable(),
  txnId: z.string(),
  /** What the slip is for (a checkout, a return, …; `test`); absent from hosts before it was sent. */
  slipKind: z.string().optional(),
});
export type PrintJobInfo = z.output<typeof printJobSchema>;
export const printQueueReplySchema = z.looseObject({ jobs: z.array(printJobSchema) });

/** The program in force, as installed: `program` is its validated document (defaults filled in). */
export const programCurrentSchema = z.strictObject({
  id: z.string(),
  version: z.number().int().positive(),
  installedAt: z.number().int(),
  signedWith: z.string().nullable(),
  program: z.record(z.string(), z.unknown()),
});
export type ProgramCurrent = z.output<typeof programCurrentSchema>;
