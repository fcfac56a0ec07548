/**
 * The typed contract between a screen (or any other client) and the terminal host: the message
 * envelope, the methods and their argument schemas, the error codes, and the pushed events. Every
 * carrier (the local WebSocket host today, Electron IPC later) moves exactly these JSON messages,
 * so a screen cannot tell them apart. Runs anywhere: zod and src/core only.
 *
 * The client is untrusted (a browser page): nothing here trusts a field it has not parsed, and
 * every `args` is validated by its method's schema before a handler runs (src/terminal/hosts/handlers.ts).
 */
import { z } from 'zod';
import { REJECTION_MESSAGES, type RejectReason } from '../core/card-code/parse.js';
import type { TallyErrorCode } from '../core/errors.js';
import { formatIssues } from '../core/validation.js';
import { printCancelArgs, printerEnableArgs, printerPickArgs, printerSaveArgs, printQueueArgs, printReprintArgs, programInstallArgs } from './printing.js';
import { actionArgs, adjustArgs, cardCodeSchema, checkoutArgs, donateArgs, enrolArgs, eraseMemberArgs, managerAddArgs, managerLoginArgs, managerRemoveArgs, managerSetPinArgs, membershipArgs, plainText, quoteArgs, returnArgs, setPinArgs, updateMemberArgs } from './commands.js';
import { terminalFiguresArgs } from './figures.js';
import { setupArgs } from './setup.js';
import { endOfDayArgs } from './end-of-day.js';
import { customerViewSchema, customerViewShowArgs } from './customer-view.js';
import { kioskMemberArgs } from './kiosk.js';

/** Largest message a carrier accepts (UTF-8 bytes of its JSON): a basket of a few thousand lines fits many times over. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * The methods and their argument schemas: the argument schemas of src/contract/commands.ts (one
 * definition for the CLI and the contract), plus the read-only look-ups' own small ones.
 */
export const METHODS = {
  /** The member a scanned or typed card names: balance, tier, membership, points expiring soon. */
  'member-lookup': z.strictObject({ card: cardCodeSchema }),
  /** What a basket would earn and every redemption option; books nothing. */
  quote: quoteArgs,
  /** Books a sale. Idempotent by (store, terminal, txnId): a retry returns the first booking (`replayed`). */
  'checkout-commit': checkoutArgs,
  /** Books a return of an earlier sale, in proportion. */
  'return-commit': returnArgs,
  /** Enrols a customer and books the welcome bonus. */
  enrol: enrolArgs,
  /** An action bonus (newsletter, review, …) within its limit. */
  action: actionArgs,
  /** Donates points to one of the program's charities (with a proof). */
  donate: donateArgs,
  /** Sells or renews a paid membership. */
  'membership-sale': membershipArgs,
  /** A manager's correction, booked as a new transfer (a manager's session once the terminal has managers). */
  adjust: adjustArgs,
  /** The member's transfers, newest first. */
  history: z.strictObject({ card: cardCodeSchema, limit: z.number().int('must be a whole number').min(1, 'is at least 1').max(1000, 'is at most 1000').optional() }),
  /** Recomputes every balance and checks every invariant (read-only). */
  verify: z.strictObject({}),
  /** Whether roles have started (any manager) and whom the request's session names. */
  'manager-status': z.strictObject({}),
  /** A manager's id and PIN → a session token for the envelope's `session` (5 wrong PINs lock the manager). */
  'manager-login': managerLoginArgs,
  /** Ends the request's session. */
  'manager-logout': z.strictObject({}),
  /** The terminal's managers (a manager's session). */
  'manager-list': z.strictObject({}),
  /** Adds a manager (a manager's session, except for the first). */
  'manager-add': managerAddArgs,
  /** Sets a manager's PIN: with their current one, or in another manager's session (unlocks). */
  'manager-set-pin': managerSetPinArgs,
  /** Retires a manager (a manager's session; never the last one). */
  'manager-remove': managerRemoveArgs,
  /** The terminal's receipt printers. */
  'printer-list': z.strictObject({}),
  /** Adds or changes a printer (a manager's). */
  'printer-save': printerSaveArgs,
  /** Turns a printer on or off for new slips (a manager's). */
  'printer-enable': printerEnableArgs,
  /** Asks a printer how it is (paper, cover, online): `status` null where the connection cannot say (USB printer class). */
  'printer-status': printerPickArgs,
  /** Queues a test slip on a printer. */
  'printer-test': printerPickArgs,
  /** The print queue, newest first (slips' contents left out). */
  'print-queue': printQueueArgs,
  /** Cancels a queued slip (a manager's; the manager's id is recorded). */
  'print-cancel': printCancelArgs,
  /** Queues a transaction's slip again on the receipt printer. */
  'print-reprint': printReprintArgs,
  /** Installs a newer version of the program in force (a manager's). */
  'program-install': programInstallArgs,
  /** Members by card, phone (its last 4 or more digits) or part of the name (a manager's: it shows personal details). */
  'member-search': z.strictObject({ query: plainText(100, 2, 'type at least 2 characters'), limit: z.number().int().min(1).max(100).optional() }),
  /** Changes a member's details (a field left out stays; null clears it). */
  'member-update': updateMemberArgs,
  /** Sets or clears a member's PIN: with their current PIN, or by a manager in session who checked who they are. */
  'member-set-pin': setPinArgs,
  /** Erases a member's personal data at their request (a manager's; balances and history stay). */
  'member-erase': eraseMemberArgs,
  /** The dashboard: this terminal's figures per local day and the points outstanding (a manager's). */
  'terminal-figures': terminalFiguresArgs,
  /**
   * A scan from outside the host (`tally scan CODE`; the POS later): pushed to every screen as a
   * `scan` event with source 'cli', exactly as a scanner's would be. Books nothing; the reply is the
   * `scan` the screens were sent.
   */
  'scan-arrived': z.strictObject({ code: cardCodeSchema }),
  /** Every scanner's and printer's state now, for a screen that connects after they were pushed. */
  'device-states': z.strictObject({}),
  /** Who this terminal is and the program in force, for the screens (src/contract/terminal-info.ts). */
  'terminal-info': z.strictObject({}),
  /** Where the terminal stands with its server now (null: not enrolled with one); `sync-state` pushes follow each run. */
  'sync-state': z.strictObject({}),
  /** Whether this terminal has a ledger yet; without one, the example programs and the host's time zone for the setup screen. */
  'setup-status': z.strictObject({}),
  /** First start only: creates the ledger and its first manager (src/contract/setup.ts); `host-ready` is pushed once the terminal serves. */
  'setup-create': setupArgs,
  /**
   * The member a booking's reply named (its `memberId`), as they stand now: a replayed command's
   * reply carries the first booking's balance, and a return names no card to look the member up by.
   */
  'member-summary': z.strictObject({ memberId: z.string().min(1, 'cannot be empty').max(64, 'is at most 64 characters') }),
  /** A transaction's slip as SVG (what `print-reprint` would print), in `lang` or the receipt printer's language; queues nothing. */
  'print-preview': printReprintArgs.extend({ lang: z.enum(['en', 'ko']).optional() }),
  /**
   * Push, then pull, now (the manager screen's "Sync now"; anyone at the counter may: it books
   * nothing and loses nothing). Runs as the host's background sync's next run, so two never run at
   * once; its progress comes as `sync-state` pushes carrying `progress`. Refused (`not-initialised`)
   * for a terminal not enrolled with a server; a sync that fails answers its refusal (`io-error`, …).
   */
  'sync-run': z.strictObject({}),
  /**
   * `tally eod` from the manager screen (a manager's): push, pull, verify, the day's figures beside
   * the server's with every difference shown, the backup after a clean day, and the report's slip
   * queued on the receipt printer. Answers the report even when it is not confirmed.
   */
  'end-of-day': endOfDayArgs,
  /**
   * The cashier screen tells the host what the customer display shows now (src/contract/customer-view.ts:
   * a minimal view, the name masked); the host pushes it (`customer-view`) to the counter's screens. Books nothing.
   */
  'customer-view-show': customerViewShowArgs,
  /** What the customer display shows now (the last `customer-view-show`; idle before one), for a display that connects later. */
  'customer-view-current': z.strictObject({}),
  /** The kiosk's one look-up (src/contract/kiosk.ts): balance, tier, latest entries and points expiring for a card; the name masked, nothing else personal. */
  'kiosk-member': kioskMemberArgs,
  /** The program in force as installed (its validated document, version, signing key), for the manager screen's diff before a program-install (a manager's). */
  'program-current': z.strictObject({}),
} as const satisfies Record<string, z.ZodType>;

export type MethodName = keyof typeof METHODS;
export const METHOD_NAMES = Object.keys(METHODS) as readonly MethodName[];

/** What a client sends for a method (before defaults and trimming) and what a handler receives (after). */
export type MethodArgsInput<M extends MethodName> = z.input<(typeof METHODS)[M]>;
export type MethodArgs<M extends MethodName> = z.output<(typeof METHODS)[M]>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

// Every TallyErrorCode, at run time. `satisfies` fails to compile when src/core/errors.ts gains or
// loses a code and this list does not follow: a client can rely on the list being complete.
const TALLY_CODES = {
  'invalid-input': true,
  'invalid-program': true,
  'unknown-card': true,
  'invalid-card': true,
  'unknown-member': true,
  'card-in-use': true,
  'unknown-transaction': true,
  'duplicate-different': true,
  'insufficient-points': true,
  'redemption-not-allowed': true,
  'return-exceeds-sale': true,
  'limit-reached': true,
  'not-initialised': true,
  'already-initialised': true,
  'database-newer': true,
  'migration-failed': true,
  'database-corrupt': true,
  'not-a-database': true,
  'ledger-invariant': true,
  'clock-wrong': true,
  'proof-required': true,
  'proof-refused': true,
  'spend-limit': true,
  'offline-limit': true,
  'spend-cover-limit': true,
  'restore-sync-required': true,
  'untrusted-program': true,
  'member-erased': true,
  'manager-required': true,
  busy: true,
  'disk-full': true,
  'read-only': true,
  'io-error': true,
  'not-allowed': true,
} as const satisfies Record<TallyErrorCode, true>;

/**
 * The envelope's own refusals: `malformed` (not JSON, or not a request), `too-large` (over
 * MAX_MESSAGE_BYTES), `unknown-method`, `unauthorised` (no or a wrong secret), `internal` (a fault
 * of Tally; the host logs the details, the reply carries none).
 */
export const ENVELOPE_ERROR_CODES = ['malformed', 'too-large', 'unknown-method', 'unauthorised', 'internal'] as const;
export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODES)[number];
export type ErrorCode = TallyErrorCode | EnvelopeErrorCode;
export const ERROR_CODES = [...(Object.keys(TALLY_CODES) as TallyErrorCode[]), ...ENVELOPE_ERROR_CODES] as const;

/** A request id the client chooses, echoed in the reply: a short string or a safe whole number. */
export const requestIdSchema = z.union([z.string().min(1).max(64), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]);
export type RequestId = z.output<typeof requestIdSchema>;

/**
 * `{ id, name, args }`, all three required (`args: {}` for a method that takes none), and `session`
 * when a manager is logged in (`manager-login`'s token: authority travels in the envelope, not in a
 * method's arguments). `method` is checked against METHODS and `args` against its schema separately,
 * so each gets its own code.
 */
export const requestSchema = z.strictObject({
  id: requestIdSchema,
  name: z.string().min(1).max(64),
  args: z.unknown(),
  session: z.string().min(1).max(128).optional(),
});
export type Request = Readonly<{ id: RequestId; name: string; args: unknown; session?: string | undefined }>;

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  /** What a TallyError carried, e.g. `problems` for invalid-input: the same as the CLI's --json output. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A reply to a request; `id` is null only when the request's id could not be read (malformed, too large, unauthorised). */
export type Reply =
  | Readonly<{ type: 'reply'; id: RequestId | null; result: unknown }>
  | Readonly<{ type: 'error'; id: RequestId | null; error: ErrorBody }>;

/**
 * Where this terminal stands with the server, after every background sync run: `online` means an
 * authenticated call succeeded within the last few seconds; `unsynced` counts entries not yet on
 * the server; `lastError` is the last run's failure, said for a person (null after a success).
 */
export const syncStateSchema = z.strictObject({
  online: z.boolean(),
  lastSuccessAt: z.number().int().nullable(),
  lastError: z.string().nullable(),
  failures: z.number().int().min(0),
  unsynced: z.number().int().min(0),
  /**
   * While a run is under way: its step (`push` the outbox, then `pull` the changes) and how far
   * the step is, 0–100. Null or absent between runs.
   */
  progress: z.strictObject({ step: z.enum(['push', 'pull']), percent: z.number().int().min(0).max(100) }).nullable().optional(),
});
export type SyncState = z.output<typeof syncStateSchema>;

/** Where a pushed scan came from: a scanner the host runs, or `tally scan` (a scan from outside the host). */
export const SCAN_SOURCES = ['serial', 'hid', 'cli'] as const;

const REJECT_REASONS = Object.keys(REJECTION_MESSAGES) as [RejectReason, ...RejectReason[]];

/**
 * A code a scanner read (or `tally scan` sent), as the host's card-code parser saw it. It books
 * nothing: the screen decides what to do with it. `code` is the text as read only when the parser
 * took it for a member card or a member QR code (what the screen passes to `member-lookup`). A
 * refused scan may be a bank card, so its text never leaves the host: `code` is null and `refused`
 * names the reason (REJECTION_MESSAGES in src/core/card-code/parse.ts has its words in English and
 * Korean). `shown` is what may be displayed or logged (`…0018`, `(16 digits, not shown)`).
 * `device` is the configured scanner's id (null for `tally scan`); `at`, when the last byte came (ms).
 */
export const scannedCodeSchema = z.strictObject({
  source: z.enum(SCAN_SOURCES),
  device: z.string().nullable(),
  code: cardCodeSchema.nullable(),
  shown: z.string(),
  refused: z.enum(REJECT_REASONS).nullable(),
  at: z.number().int(),
});
export type ScannedCode = z.output<typeof scannedCodeSchema>;

/**
 * A scanner's state, pushed at every change: `connected` (opened and reading), `disconnected`
 * (unplugged, not found, not allowed: `message` says which, and the host keeps looking for it), or
 * `error` (it stays connected but reported a problem, e.g. garbled reads from a wrong baud rate).
 */
export const SCANNER_CONDITIONS = ['connected', 'disconnected', 'error'] as const;
export const scannerStateSchema = z.strictObject({
  device: z.string(),
  state: z.enum(SCANNER_CONDITIONS),
  message: z.string().nullable(),
});
export type ScannerState = z.output<typeof scannerStateSchema>;

/**
 * A receipt printer as the host's print worker last found it, pushed when it changes: its condition
 * (from its real-time status, or `offline` when it cannot be reached; `unknown` before it was first
 * asked, for a USB printer-class device that cannot say, or while another process prints it),
 * `message` in English for a log or a support screen (the screen says the condition in its own
 * language), and how many slips are waiting for it (kept, never dropped).
 */
export const PRINTER_CONDITIONS = ['ready', 'paper-low', 'out-of-paper', 'cover-open', 'error', 'offline', 'unknown'] as const;
export const printerStateSchema = z.strictObject({
  printer: z.string(),
  state: z.enum(PRINTER_CONDITIONS),
  message: z.string().nullable(),
  waiting: z.number().int().min(0),
});
export type PrinterState = z.output<typeof printerStateSchema>;

/** What `device-states` answers. */
export const deviceStatesSchema = z.strictObject({ scanners: z.array(scannerStateSchema), printers: z.array(printerStateSchema) });
export type DeviceStates = z.output<typeof deviceStatesSchema>;

/**
 * What the host pushes without being asked: its own shutdown, the sync state after each background
 * run, every scan its scanners read (and `tally scan` sent), and every change of a scanner or printer.
 */
export type PushedEvent =
  | Readonly<{ type: 'push'; name: 'host-closing'; data: Readonly<{ reason: string }> }>
  | Readonly<{ type: 'push'; name: 'sync-state'; data: SyncState }>
  | Readonly<{ type: 'push'; name: 'scan'; data: Readonly<ScannedCode> }>
  | Readonly<{ type: 'push'; name: 'scanner-state'; data: Readonly<ScannerState> }>
  | Readonly<{ type: 'push'; name: 'printer-state'; data: Readonly<PrinterState> }>
  /** The first start's setup finished and the terminal's methods are served on the same connection. */
  | Readonly<{ type: 'push'; name: 'host-ready'; data: Readonly<{ terminalId: string }> }>
  /** What the customer display shows now (a `customer-view-show`); counter screens only, never a kiosk. */
  | Readonly<{ type: 'push'; name: 'customer-view'; data: Readonly<z.output<typeof customerViewSchema>> }>;

/** Schemas of what goes out, for clients (and tests) that want to check what they received. */
export const errorBodySchema = z.strictObject({
  code: z.enum(ERROR_CODES as unknown as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export const replySchema = z.union([
  z.strictObject({ type: z.literal('reply'), id: requestIdSchema.nullable(), result: z.unknown() }),
  z.strictObject({ type: z.literal('error'), id: requestIdSchema.nullable(), error: errorBodySchema }),
]);
export const pushedEventSchema = z.discriminatedUnion('name', [
  z.strictObject({ type: z.literal('push'), name: z.literal('host-closing'), data: z.strictObject({ reason: z.string() }) }),
  z.strictObject({ type: z.literal('push'), name: z.literal('sync-state'), data: syncStateSchema }),
  z.strictObject({ type: z.literal('push'), name: z.literal('scan'), data: scannedCodeSchema }),
  z.strictObject({ type: z.literal('push'), name: z.literal('scanner-state'), data: scannerStateSchema }),
  z.strictObject({ type: z.literal('push'), name: z.literal('printer-state'), data: printerStateSchema }),
  z.strictObject({ type: z.literal('push'), name: z.literal('host-ready'), data: z.strictObject({ terminalId: z.string() }) }),
  z.strictObject({ type: z.literal('push'), name: z.literal('customer-view'), data: customerViewSchema }),
]);

export function errorReply(id: RequestId | null, code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): Reply {
  return { type: 'error', id, error: { code, message, ...(details ? { details } : {}) } };
}

/**
 * Reads a request from a parsed JSON value: the request, or the error reply for it (with the id
 * when one could be read, so a client can match even a refusal).
 */
export function parseRequest(value: unknown): { readonly ok: true; readonly request: Request } | { readonly ok: false; readonly reply: Reply } {
  const parsed = requestSchema.safeParse(value);
  if (parsed.success) return { ok: true, request: parsed.data };
  const id = typeof value === 'object' && value !== null && 'id' in value ? requestIdSchema.safeParse((value as { id: unknown }).id) : undefined;
  const problems = formatIssues(parsed.error.issues, 'request');
  return { ok: false, reply: errorReply(id?.success ? id.data : null, 'malformed', `Not a request ({ id, name, args }): ${problems.join('; ')}`) };
}

