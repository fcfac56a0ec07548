/**
 * Argument schemas of the printing and program methods (printers, the print queue, reprints, a new
 * program version): the one definition the CLI, the manager screen and the host share.
 */
import { z } from 'zod';

/** How a printer is reached: TCP 9100 (LAN), serial / USB-CDC, or a USB printer-class device. */
export const transportConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('tcp'), host: z.string().min(1).max(253), port: z.number().int().min(1).max(65535).default(9100), timeoutMs: z.number().int().min(100).max(120_000).default(5_000) }),
  z.strictObject({
    kind: z.literal('serial'),
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(19200),
    rtscts: z.boolean().default(false),
    timeoutMs: z.number().int().min(100).max(120_000).default(5_000),
  }),
  z.strictObject({ kind: z.literal('usb'), path: z.string().min(1), timeoutMs: z.number().int().min(100).max(120_000).default(5_000) }),
]);

export const printerIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a printer id: 1 to 32 letters, digits, dots, dashes or underscores');

/** Adds a printer or changes one; `profileId` is checked against the terminal's printer profiles. */
export const printerSaveArgs = z.strictObject({
  id: printerIdSchema,
  transport: transportConfigSchema,
  profileId: z.string().min(1).max(64),
  language: z.enum(['en', 'ko']),
  enabled: z.boolean().optional(),
});

export const printerEnableArgs = z.strictObject({ id: printerIdSchema, enabled: z.boolean() });

/** A printer by id; without one, the terminal's receipt printer (the first enabled). */
export const printerPickArgs = z.strictObject({ id: printerIdSchema.optional() });

export const printQueueArgs = z.strictObject({ limit: z.number().int('must be a whole number').min(1, 'is at least 1').max(1000, 'is at most 1000').optional() });

export const printCancelArgs = z.strictObject({ job: z.number().int('must be a whole number').positive('is a job number') });

export const TRANSACTION_KINDS = ['checkout', 'return', 'action', 'donation', 'membership', 'enrolment', 'adjustment'] as const;

/** A slip again, for a transaction of this terminal (or, after a sync, of another `terminal` of the store). */
export const printReprintArgs = z.strictObject({
  txnId: z.string().min(1).max(64),
  kind: z.enum(TRANSACTION_KINDS).default('checkout'),
  terminal: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'is a terminal id').optional(),
});

/**
 * A newer version of the program in force: the program file's text (JSON, signed where the terminal
 * trusts a program key), and for a terminal that trusts none yet, the key(s) to pin.
 */
export const programInstallArgs = z.strictObject({
  document: z.string().min(2).max(512 * 1024, 'a program file is at most 512 KiB'),
  pinKeys: z.array(z.strictObject({ id: z.string().min(1).max(64), publicKey: z.string().min(1).max(128) })).max(4).optional(),
  /** What to call the program in messages (the file's name, as the manager chose it). */
  source: z.string().min(1).max(200).optional(),
});
