/**
 * `tally`: the headless way to run, script and support a terminal. Every command that books or reads
 * member data goes through the same handler map the screens use (see `run` for the few that stay
 * direct, and why). Exit 0 on success; on bad input a one-line error on
 * stderr (and `{"error":…}` on stdout with --json), exit 1, and nothing written; exit 2 for usage.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { readInputFile } from '../input-file.js';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { amountBasket, parseBasket, type Basket } from '../../core/basket.js';
import { isTallyError, TallyError } from '../../core/errors.js';
import { isTimeZone, isoInstant, parseIsoInstant } from '../../core/time.js';
import { certifyTerminalKey, issueMemberToken, newTokenId, publicKeyOf } from '../../core/card-code/member-qr.js';
import { signProgramJson } from '../../core/program/signature.js';
import { parseKeySpec } from '../../core/program/trust.js';
import { clockProblem } from '../../core/clock-guard.js';
import { printable } from '../../core/text.js';
import { environmentError } from '../ledger/environment-errors.js';
import { maskCard } from '../../core/receipt/slip.js';
import { parseCardCode } from '../../core/card-code/parse.js';
import type { TransactionKind } from '../ledger/ledger.js';
import { Printing } from '../printing/printing.js';
import type { PrintJob } from '../printing/print-queue.js';
import { describeJob, describePrinter, describePrinterStatus, installTerminalKey, printerArgs } from './print-commands.js';
import { refuseLedgerFiles, writeNewFile } from '../output-file.js';
import type { Suffix } from '../devices/serial/framer.js';
import { generateKeyFile, readSigningKey, writeKeyFile } from '../trust/key-file.js';
import { randomBytes } from 'node:crypto';
import { describeDevices, listScanners, parseUsbMatch, scannerArgs, watchScanner } from './scanner-commands.js';
import { describeScanner, ScannerRegistry, type ScannerConfig } from '../devices/scanner-config.js';
import { SCAN_NO_HOST, sendScan } from './scan-command.js';
import { Ledger, readProgramFile, type ProgramFile } from '../ledger/ledger.js';
import { restoreLedger } from '../ledger/files.js';
import { pendingCount } from '../ledger/outbox.js';
import { enrolTerminal } from '../sync/enrol.js';
import { syncNow } from '../sync/sync.js';
import { lookUpUnknownCard } from '../sync/card-lookup.js';
import { defaultBackupDir, endOfDay, eodLines, eodSlip } from '../sync/eod.js';
import { dayKeySchema } from '../../contract/day-report.js';
import { FileSecretStore, secretsDirFor } from '../trust/secret-store.js';
import { LoyaltyService, type CheckoutResult, type EnrolResult, type MemberSummary, type MembershipResult, type PointsResult, type ReturnResult, type ServiceOptions } from '../loyalty-service.js';
import type { Quote } from '../../core/rules/checkout.js';
import type { VerifyReport } from '../ledger/verify.js';
import type { ReturnArgs, SpendProof } from '../../contract/commands.js';
import { Formatter, type Lang } from './format.js';
import { HELP, commandHelp } from './help.js';
import { HandlerMap } from '../hosts/handlers.js';
import type { MethodArgsInput } from '../../contract/messages.js';
import type { PrinterConfig } from '../printing/printers.js';
import type { PrinterStatus } from '../../core/escpos/status.js';
import { serveUntilSignal, startServedHost } from '../hosts/serve.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly defaultDatabasePath: string;
  readonly cwd: string;
  /** The environment (TALLY_ALLOW_CLOCK_OVERRIDE); default: none set. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Standard input, whole (PINs are read from it, never from the command line). */
  readonly readStdin?: () => Promise<string>;
}

/** `--now` works only where this is set to 1: tests and demos, never a real counter. */
export const CLOCK_OVERRIDE_ENV = 'TALLY_ALLOW_CLOCK_OVERRIDE';

class UsageError extends Error {}

type Options = Record<string, string | boolean | string[] | undefined>;

const GLOBAL: ParseArgsConfig['options'] = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  now: { type: 'string' },
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const COMMANDS: Record<string, ParseArgsConfig['options']> = {
  init: { program: { type: 'string' }, store: { type: 'string' }, terminal: { type: 'string' }, 'time-zone': { type: 'string' }, demo: { type: 'boolean' }, 'program-key': { type: 'string', multiple: true } },
  'program install': { program: { type: 'string' }, 'program-key': { type: 'string', multiple: true }, manager: { type: 'string' } },
  'program sign': { program: { type: 'string' }, 'signing-key': { type: 'string' }, out: { type: 'string' } },
  enrol: { server: { type: 'string' }, code: { type: 'string' } },
  sync: { paged: { type: 'boolean' } },
  eod: { day: { type: 'string' }, out: { type: 'string' }, print: { type: 'boolean' }, 'backup-dir': { type: 'string' } },
  'member add': {
    card: { type: 'string', multiple: true },
    name: { type: 'string' },
    phone: { type: 'string' },
    email: { type: 'string' },
    birthday: { type: 'string' },
    consent: { type: 'boolean' },
    cashier: { type: 'string' },
    'pin-stdin': { type: 'boolean' },
    'referred-by': { type: 'string' },
  },
  'member show': { card: { type: 'string' } },
  'member search': { query: { type: 'string' }, limit: { type: 'string' }, manager: { type: 'string' } },
  'member pin': { card: { type: 'string' }, clear: { type: 'boolean' }, manager: { type: 'string' } },
  'member erase': { card: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' }, manager: { type: 'string' } },
  'member update': {
    card: { type: 'string' },
    name: { type: 'string' },
    phone: { type: 'string' },
    email: { type: 'string' },
    birthday: { type: 'string' },
    consent: { type: 'string' },
    'add-card': { type: 'string', multiple: true },
  },
  balance: { card: { type: 'string' } },
  quote: { card: { type: 'string' }, amount: { type: 'string' }, basket: { type: 'string' }, 'redeem-points': { type: 'string' }, reward: { type: 'string' }, 'bonus-day': { type: 'string' } },
  checkout: {
    card: { type: 'string' },
    amount: { type: 'string' },
    basket: { type: 'string' },
    txn: { type: 'string' },
    'redeem-points': { type: 'string' },
    reward: { type: 'string' },
    'bonus-day': { type: 'string' },
    cashier: { type: 'string' },
    'spend-code': { type: 'string' },
    'pin-stdin': { type: 'boolean' },
    'checked-by': { type: 'string' },
  },
  return: { txn: { type: 'string' }, 'return-id': { type: 'string' }, amount: { type: 'string' }, all: { type: 'boolean' }, line: { type: 'string', multiple: true }, lines: { type: 'string' }, terminal: { type: 'string' }, store: { type: 'string' }, cashier: { type: 'string' } },
  action: { card: { type: 'string' }, action: { type: 'string' }, ref: { type: 'string' }, id: { type: 'string' }, cashier: { type: 'string' } },
  donate: {
    card: { type: 'string' },
    charity: { type: 'string' },
    points: { type: 'string' },
    id: { type: 'string' },
    cashier: { type: 'string' },
    'spend-code': { type: 'string' },
    'pin-stdin': { type: 'boolean' },
    'checked-by': { type: 'string' },
  },
  'membership sell': { card: { type: 'string' }, plan: { type: 'string' }, txn: { type: 'string' }, fee: { type: 'string' }, cashier: { type: 'string' } },
  'membership renew': { card: { type: 'string' }, plan: { type: 'string' }, txn: { type: 'string' }, fee: { type: 'string' }, cashier: { type: 'string' } },
  adjust: { card: { type: 'string' }, points: { type: 'string' }, reason: { type: 'string' }, id: { type: 'string' }, cashier: { type: 'string' }, manager: { type: 'string' } },
  'manager add': { id: { type: 'string' }, name: { type: 'string' }, by: { type: 'string' } },
  'manager list': { by: { type: 'string' } },
  'manager pin': { id: { type: 'string' }, by: { type: 'string' }, reset: { type: 'boolean' } },
  'manager remove': { id: { type: 'string' }, by: { type: 'string' } },
  history: { card: { type: 'string' }, limit: { type: 'string' } },
  periodic: {},
  verify: {},
  host: { port: { type: 'string' }, 'checkpoint-after': { type: 'string' } },
  scan: {},
  backup: { to: { type: 'string' } },
  restore: { from: { type: 'string' } },
  'card parse': { card: { type: 'string' } },
  'scanner list': {},
  'scanner add': { id: { type: 'string' }, serial: { type: 'string' }, 'serial-usb': { type: 'string' }, hid: { type: 'string' }, baud: { type: 'string' }, suffix: { type: 'string' } },
  'scanner remove': { id: { type: 'string' } },
  'printer add': {
    manager: { type: 'string' },
    id: { type: 'string' },
    tcp: { type: 'string' },
    serial: { type: 'string' },
    usb: { type: 'string' },
    baud: { type: 'string' },
    rtscts: { type: 'boolean' },
    timeout: { type: 'string' },
    profile: { type: 'string' },
    'slip-lang': { type: 'string' },
  },
  'printer list': {},
  'printer enable': { id: { type: 'string' }, manager: { type: 'string' } },
  'printer disable': { id: { type: 'string' }, manager: { type: 'string' } },
  'printer status': { id: { type: 'string' } },
  'printer test': { id: { type: 'string' } },
  'print queue': { limit: { type: 'string' } },
  'print run': { watch: { type: 'boolean' } },
  'print cancel': { job: { type: 'string' }, manager: { type: 'string' } },
  'print reprint': { txn: { type: 'string' }, kind: { type: 'string' }, terminal: { type: 'string' } },
  'print preview': { txn: { type: 'string' }, kind: { type: 'string' }, terminal: { type: 'string' }, out: { type: 'string' }, 'slip-lang': { type: 'string' } },
  'terminal key install': { key: { type: 'string' }, certificate: { type: 'string' } },
  'keys certify': {
    'signing-key': { type: 'string' },
    'terminal-key': { type: 'string' },
    store: { type: 'string' },
    terminal: { type: 'string' },
    out: { type: 'string' },
    'valid-days': { type: 'string' },
  },
  'scanner watch': {
    serial: { type: 'string' },
    'serial-usb': { type: 'string' },
    hid: { type: 'string' },
    baud: { type: 'string' },
    suffix: { type: 'string' },
    count: { type: 'string' },
  },
  'keys generate': { id: { type: 'string' }, out: { type: 'string' } },
  'qr issue': { card: { type: 'string' }, 'signing-key': { type: 'string' }, 'valid-days': { type: 'string' }, spend: { type: 'boolean' } },
};

function required(options: Options, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

function optional(options: Options, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

/** Minor units only: "45000", never "45,000" or "450.00" (a decimal point would be ambiguous across currencies). */
function wholeNumber(text: string, what: string, allowNegative = false): number {
  const pattern = allowNegative ? /^[+-]?\d{1,15}$/ : /^\d{1,15}$/;
  if (!pattern.test(text)) {
    throw new TallyError('invalid-input', `${what} must be a whole number${what.startsWith('Amount') ? ' of minor units (45000 for ₩45,000; 1999 for $19.99)' : ''}, got "${text}"`);
  }
  return Number(text);
}

function readJsonFile(path: string, what: string): unknown {
  const text = readInputFile(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TallyError('invalid-input', `${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

const GLOBAL_WITH_VALUE = new Set(['--db', '--now', '--lang']);

/** The command words: leading non-option tokens, skipping global options and their values. */
function commandWords(argv: readonly string[]): { words: string[]; help: boolean } {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(token)) {
      i += 1;
      continue;
    }
    if (token.startsWith('-')) {
      if (token === '--json' || token === '--help' || token === '-h' || [...GLOBAL_WITH_VALUE].some((g) => token.startsWith(`${g}=`))) continue;
      break;
    }
    words.push(token);
  }
  return { words, help: argv.includes('--help') || argv.includes('-h') };
}

function splitCommand(positionals: readonly string[]): string {
  const [first, second, third] = positionals;
  if (first === undefined) throw new UsageError('no command given');
  // `tally scan CODE`: the one command whose argument is a word of its own.
  if (first === 'scan') return 'scan';
  const three = `${first} ${second ?? ''} ${third ?? ''}`.trim();
  if (COMMANDS[three]) return three;
  const two = `${first} ${second ?? ''}`.trim();
  if (COMMANDS[two]) return two;
  if (COMMANDS[first] && (second === undefined || !['member', 'program', 'membership', 'card', 'keys', 'qr', 'scanner', 'printer', 'print', 'terminal'].includes(first))) {
    if (second !== undefined) throw new UsageError(`unexpected argument "${second}"`);
    return first;
  }
  throw new UsageError(`unknown command "${positionals.join(' ')}"`);
}

/**
 * `--points -50`: node's parseArgs takes "-50" for an option, so a value that is a negative number
 * is joined to the option that takes it (`--points=-50`), the way a person means it.
 */
function joinNegativeValues(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i]!;
    const next = argv[i + 1];
    const name = token.startsWith('--') ? token.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${token}=${next}`);
      i += 1;
    } else out.push(token);
  }
  return out;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let json = false;
  let target = io.defaultDatabasePath;
  // Every line a person reads is shown as itself: no control character from a name, an id or a scan reaches the terminal.
  const stderr = (text: string): void => io.stderr(printable(text));
  try {
    const { words, help } = commandWords(argv);
    json = argv.includes('--json');
    if (words.length === 0) {
      io.stdout(HELP);
      return help ? 0 : 2;
    }
    const name = splitCommand(words);
    if (help) {
      io.stdout(commandHelp(name));
      return 0;
    }
    const config = { ...GLOBAL, ...COMMANDS[name] };
    const parsed = parseArgs({ args: joinNegativeValues(argv, config), options: config, allowPositionals: true, strict: true });
    const wordCount = name.split(' ').length + (name === 'scan' ? 1 : 0);
    if (name === 'scan' && parsed.positionals.length < wordCount) throw new UsageError('tally scan takes the code as it was read: tally scan CODE');
    if (parsed.positionals.length !== wordCount) throw new UsageError(`unexpected argument "${parsed.positionals.slice(wordCount).join(' ')}"`);
    const options = parsed.values as Options;
    const dbOption = optional(options, 'db') ?? io.defaultDatabasePath;
    const db = resolve(io.cwd, dbOption);
    target = dbOption;
    const nowText = optional(options, 'now');
    if (nowText !== undefined && io.env?.[CLOCK_OVERRIDE_ENV] !== '1') {
      throw new UsageError(`--now is for tests and demos only: it works where the environment sets ${CLOCK_OVERRIDE_ENV}=1; a real counter uses its own clock`);
    }
    const now = nowText === undefined ? undefined : parseIsoInstant(nowText);
    if (nowText !== undefined && now === undefined) throw new UsageError(`--now must be an ISO instant with a zone, e.g. 2026-11-25T09:30:00Z, got "${nowText}"`);
    if (now !== undefined) io.stderr(`tally: clock overridden: acting as if it were ${isoInstant(now)} (${CLOCK_OVERRIDE_ENV}=1; the real time is ${isoInstant(Date.now())})`);
    const lang = (optional(options, 'lang') ?? 'en') as Lang;
    if (lang !== 'en' && lang !== 'ko') throw new UsageError('--lang is en or ko');
    const clock = now === undefined ? Date.now : () => now;
    const out = (human: string[], data: unknown): void => io.stdout(json ? JSON.stringify(data, null, 2) : human.map(printable).join('\n'));
    return await run(name, options, { json, db, dbShown: dbOption, clock, clockOverridden: now !== undefined, lang, out, io, words: parsed.positionals });
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      const message = error.message.split('\n').join(' ');
      if (json) io.stdout(JSON.stringify({ error: { code: 'usage', message } }, null, 2));
      stderr(`tally: ${message}. See: tally --help`);
      return 2;
    }
    // The machine's faults (busy, disk full, read-only, a folder for a file) are refusals like any other: nothing was written.
    const refusal = isTallyError(error) ? error : environmentError(error, target);
    if (refusal) {
      if (json) io.stdout(JSON.stringify({ error: { code: refusal.code, message: refusal.message, ...(refusal.details ? { details: refusal.details } : {}) } }, null, 2));
      stderr(`tally: ${refusal.message.split('\n').join(' ')}`);
      return 1;
    }
    // A fault of Tally's own, not of the input: say so in one line, the details for support.
    const message = error instanceof Error ? error.message : String(error);
    if (json) io.stdout(JSON.stringify({ error: { code: 'internal', message } }, null, 2));
    stderr(`tally: unexpected error (please report it): ${message}`);
    if (error instanceof Error && error.stack) io.stderr(printable(error.stack).replace(/\\u\{a\}/g, '\n'));
    return 3;
  }
}

interface RunContext {
  readonly json: boolean;
  readonly db: string;
  /** The path as the user gave it, for messages. */
  readonly dbShown: string;
  readonly clock: () => number;
  /** `--now` was given: the booking clock is not the real one. */
  readonly clockOverridden: boolean;
  readonly lang: Lang;
  readonly out: (human: string[], data: unknown) => void;
  readonly io: CliIo;
  /** The command's words as given (`tally scan CODE` reads its code from them). */
  readonly words: readonly string[];
}

/** Opens the ledger; a demo terminal says so on every command (on stderr, so output stays parseable). */
function openLedger(ctx: RunContext, options: { readonly?: boolean; check?: 'auto' | 'full' } = {}): Ledger {
  // 'auto': the full integrity check only when it pays (an unclean shutdown, another file, a day old); verify asks for 'full'.
  const ledger = Ledger.open(ctx.db, { check: 'auto', ...options });
  if (ledger.terminal.demo) ctx.io.stderr(DEMO_NOTICE);
  return ledger;
}

const DEMO_NOTICE = 'tally: DEMO terminal — it trusts keys whose secrets are published with Tally; never use it for a real store';

function serviceFor(ctx: RunContext, ledger: Ledger, extra: Partial<ServiceOptions> = {}): LoyaltyService {
  return new LoyaltyService(ledger, { clock: ctx.clock, clockOverridden: ctx.clockOverridden, ...extra });
}

/** Refuses a write at a wrong time before any file is made (init) or changed (program install). */
function checkWriteClock(ctx: RunContext, lastBookedAt: number | null): number {
  const now = ctx.clock();
  const problem = clockProblem({ now, wallNow: Date.now(), overridden: ctx.clockOverridden, lastBookedAt });
  if (problem) throw new TallyError('clock-wrong', problem.message);
  return now;
}

async function stdinLines(ctx: RunContext, what: string): Promise<string[]> {
  if (!ctx.io.readStdin) throw new UsageError(`${what} is read from standard input, which this caller does not provide`);
  const lines = (await ctx.io.readStdin()).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) throw new UsageError(`${what} is read from standard input: nothing came`);
  return lines;
}

/** The proof a spend command was given: --spend-code, the member's PIN on stdin, or --checked-by CASHIER. */
async function spendProofFrom(options: Options, ctx: RunContext): Promise<SpendProof | undefined> {
  const code = optional(options, 'spend-code');
  const checkedBy = optional(options, 'checked-by');
  const pin = options['pin-stdin'] === true;
  if ([code !== undefined, checkedBy !== undefined, pin].filter(Boolean).length > 1) throw new UsageError('give one proof: --spend-code CODE, --pin-stdin or --checked-by CASHIER');
  if (code !== undefined) return { spendCode: code };
  if (checkedBy !== undefined) return { cashier: checkedBy };
  if (pin) return { pin: (await stdinLines(ctx, "The member's PIN"))[0]! };
  return undefined;
}

function readProgramAt(path: string): ProgramFile & { readonly text: string } {
  const text = readInputFile(path, 'program file');
  return { ...readProgramFile(text, path), text };
}

function programKeysFrom(options: Options): { id: string; publicKey: string }[] {
  return ((options['program-key'] as string[] | undefined) ?? []).map((spec) => {
    const key = parseKeySpec(spec);
    if (!key) throw new UsageError(`--program-key is ID:PUBLICKEY (what tally keys generate prints), got "${spec.slice(0, 40)}"`);
    return key;
  });
}

/** The handler map the screens use, for the CLI's own process: the one door to the service (DESIGN: one door in). */
function cliHandlers(ctx: RunContext, service: LoyaltyService, printing: Printing | null = null): HandlerMap {
  return new HandlerMap(service, { localOperator: true, ledgerName: ctx.dbShown, log: (line) => ctx.io.stderr(printable(line)), ...(printing ? { printing } : {}) });
}

/**
 * Runs a command that books or reads member data, or works the printers, through the handler map
 * the screens use (DESIGN: one door in): the same argument schemas, the same refusals, the same
 * manager rule. The command is handed the map, never the service or the ledger
 * (tests/integration/cli-one-door.test.ts holds every command module to that).
 */
function withDoor<T>(
  ctx: RunContext,
  readonly: boolean,
  fn: (map: HandlerMap, format: Formatter) => T | Promise<T>,
  options: { readonly printAfter?: boolean; readonly check?: 'auto' | 'full' } = {},
): Promise<T> {
  return withService(ctx, readonly, (service, format, printing) => fn(cliHandlers(ctx, service, printing), format), options);
}

/** `--manager ID` (their PIN the first line of stdin) as a session of `map`; none without the option. */
async function sessionFrom(ctx: RunContext, map: HandlerMap, options: Options): Promise<string | undefined> {
  const manager = optional(options, 'manager');
  if (manager === undefined) return undefined;
  return managerSession(map, manager, (await stdinLines(ctx, `Manager ${manager}'s PIN`))[0]);
}

/** A manager's session in this process: their PIN checked (wrong tries counted, as at the screen). */
async function managerSession(map: HandlerMap, managerId: string, pin: string | undefined): Promise<string> {
  const login = (await map.invoke('manager-login', { managerId, pin: pin ?? '' })) as { readonly session: string };
  return login.session;
}

/**
 * `tally manager add | list | pin | remove`. PINs come on stdin, one per line, never on the command
 * line: with `--by M`, first M's PIN; `manager pin` without --by takes the current PIN then the new
 * one, or with --reset only the new one (at the machine: for a store whose last manager is locked out).
 */
async function managerCommand(ctx: RunContext, command: string, options: Options, map: HandlerMap, f: Formatter, out: (human: string[], data: unknown) => void): Promise<number> {
  const by = optional(options, 'by');
  const lines = command === 'manager list' && by === undefined ? [] : command === 'manager remove' && by === undefined ? [] : await stdinLines(ctx, by !== undefined ? `Manager ${by}'s PIN${command === 'manager list' || command === 'manager remove' ? '' : ', then the new PIN'}` : 'The PIN');
  const session = by === undefined ? undefined : await managerSession(map, by, lines.shift());
  type Listed = { readonly id: string; readonly name: string; readonly createdAt: number; readonly createdBy: string | null; readonly locked: boolean; readonly removedAt: number | null };
  const describe = (m: Listed): string => `${m.id.padEnd(12)} ${m.name}  added ${f.day(m.createdAt)}${m.createdBy ? ` by ${m.createdBy}` : ''}${m.locked ? '  LOCKED (5 wrong PINs)' : ''}${m.removedAt !== null ? `  retired ${f.day(m.removedAt)}` : ''}`;
  switch (command) {
    case 'manager add': {
      const r = (await map.invoke('manager-add', { managerId: required(options, 'id'), name: required(options, 'name'), pin: lines[0] ?? '' }, session)) as { readonly manager: Listed };
      out([`Manager added: ${describe(r.manager)}`], r);
      return 0;
    }
    case 'manager list': {
      const r = (await map.invoke('manager-list', {}, session)) as { readonly managers: readonly Listed[] };
      out(r.managers.length === 0 ? ['No managers yet: anyone at this terminal may correct balances until the first is added (tally manager add)'] : r.managers.map(describe), r);
      return 0;
    }
    case 'manager pin': {
      const id = required(options, 'id');
      const reset = options.reset === true;
      if (reset && by !== undefined) throw new UsageError('give --by MANAGER or --reset, not both');
      const [first, second] = lines;
      const args = by !== undefined || reset ? { managerId: id, pin: first ?? '' } : second === undefined ? { managerId: id, pin: first ?? '' } : { managerId: id, currentPin: first ?? '', pin: second };
      if (by === undefined && !reset && second === undefined) throw new UsageError('give the current PIN then the new one on stdin (or --by MANAGER, or --reset at the machine)');
      const r = (await map.invoke('manager-set-pin', args, session)) as { readonly manager: Listed };
      out([`New PIN set for manager ${r.manager.id}${reset ? ' (reset at the machine)' : ''}; their sessions ended`], r);
      return 0;
    }
    default: {
      const r = (await map.invoke('manager-remove', { managerId: required(options, 'id') }, session)) as { readonly manager: Listed };
      out([`Manager retired: ${describe(r.manager)}`], r);
      return 0;
    }
  }
}

/**
 * Opens the ledger (and, for a command that writes, the printing stack: the command's slip is
 * queued in its transaction), runs the command, then offers what is queued to the printers. The
 * counter never waits for a printer: the command's result is already on stdout by then; a printer
 * another process owns (print run --watch, the host) is left to it; an unowned one gets one short
 * attempt (PRINT_PROBE_MS to connect and answer its status) and otherwise keeps the slip queued.
 */
async function withService<T>(
  ctx: RunContext,
  readonly: boolean,
  fn: (service: LoyaltyService, format: Formatter, printing: Printing | null) => T | Promise<T>,
  options: { readonly printAfter?: boolean; readonly check?: 'auto' | 'full' } = {},
): Promise<T> {
  const ledger = openLedger(ctx, { readonly, ...(options.check ? { check: options.check } : {}) });
  const printing = readonly ? null : new Printing(ledger, { clock: ctx.clock });
  try {
    const service = serviceFor(ctx, ledger, printing ? { onSlip: printing.sink } : {});
    const format = new Formatter(ledger.program, ctx.lang, ledger.terminal.timeZone);
    const result = await fn(service, format, printing);
    if (printing && options.printAfter !== false && printing.queue.openCount() > 0) {
      const outcome = await printing.worker.drain({ deadline: Date.now() + PRINT_BUDGET_MS, ignoreRetryTimes: true, probeMs: PRINT_PROBE_MS, waitForCommandMs: PRINT_PROBE_MS });
      if (!ctx.json) {
        if (outcome.printed > 0) ctx.io.stdout(`Receipt printed${outcome.printed > 1 ? ` (${outcome.printed} slips)` : ''}`);
        for (const w of outcome.waiting) ctx.io.stdout(`Receipt kept for printer ${w.printerId}: ${w.reason}; it prints when the printer is ready (tally print run)`);
        for (const l of outcome.leftTo ?? []) {
          ctx.io.stdout(
            l.kind === 'service'
              ? `Receipt queued for printer ${l.printerId}: ${l.holder} prints it`
              : `Receipt kept for printer ${l.printerId}: ${l.holder} is using it; it prints when the printer is ready (tally print run)`,
          );
        }
      }
    }
    return result;
  } finally {
    await printing?.close();
    ledger.close();
  }
}

/** Commands whose --card may name a member enrolled at another counter. */
const CARD_COMMANDS: ReadonlySet<string> = new Set(['balance', 'quote', 'checkout', 'donate', 'action', 'membership sell', 'membership renew', 'member update', 'member show', 'member pin', 'member erase', 'adjust', 'history', 'qr issue']);

/** A terminal certificate is renewed at least yearly (plus a month's grace to do it). */
const MAX_CERTIFICATE_DAYS = 400;

/** A command starts no new slip after this long printing after its commit; the rest stays queued. */
const PRINT_BUDGET_MS = 2_000;

/**
 * A command's attempt at an unowned printer: connecting and the answer to its status request get at
 * most this long (a printer on the LAN answers in milliseconds, on Wi-Fi in well under this). A
 * printer that is off, unplugged or hung costs the counter this, not the printer's own timeout
 * (5 s by default), and its slip stays queued for print run.
 */
const PRINT_PROBE_MS = 500;

function basketFrom(options: Options, currency: string): Basket {
  const amount = optional(options, 'amount');
  const file = optional(options, 'basket');
  if ((amount === undefined) === (file === undefined)) throw new UsageError('give either --amount or --basket');
  if (amount !== undefined) return amountBasket(wholeNumber(amount, 'Amount'), currency);
  return parseBasket(readJsonFile(file!, 'basket file'), file!);
}

function redeemFrom(options: Options): { points: number } | { rewardId: string } | undefined {
  const points = optional(options, 'redeem-points');
  const reward = optional(options, 'reward');
  if (points !== undefined && reward !== undefined) throw new UsageError('give --redeem-points or --reward, not both');
  if (points !== undefined) return { points: wholeNumber(points, 'Points to redeem') };
  if (reward !== undefined) return { rewardId: reward };
  return undefined;
}

function memberLines(m: MemberSummary, f: Formatter): string[] {
  return [
    `Member ${m.memberId}${m.name ? ` — ${m.name}` : ''}${m.erasedAt !== null ? ' (personal data erased)' : ''}`,
    `Cards: ${m.cards.length > 0 ? m.cards.map(maskCard).join(', ') : 'none'}`,
    `PIN for spending points: ${m.hasPin ? 'set' : 'not set'}`,
    `Balance: ${f.points(m.balance)}`,
    ...f.tier(m.tier),
    ...(m.membership ? [`Membership: ${f.planName(m.membership.planId)}${m.membership.endsAt !== null ? ` until ${f.day(m.membership.endsAt)}` : ' (lifetime)'}`] : []),
    ...f.expiring(m.expiringSoon),
  ];
}

function checkoutLines(r: CheckoutResult, f: Formatter, title: string): string[] {
  const parts = r.earn.components.map((c) => f.component(c));
  if (r.earn.memberBonusDayPoints > 0) parts.push(`member bonus day +${r.earn.memberBonusDayPoints}`);
  return [
    title,
    ...r.discounts.map((d) => `Discount (${d.source === 'membership' ? f.planName(d.id) : d.id === 'points' ? 'points' : f.rewardName(d.id)}): −${f.money(d.amount)}`),
    `Amount due: ${f.money(r.amountDue)}`,
    ...(r.redeemed ? [`Redeemed: ${f.points(r.redeemed.points)} for ${r.redeemed.rewardId !== null ? f.rewardName(r.redeemed.rewardId) : f.money(r.redeemed.discount)}`] : []),
    `Earned: ${f.points(r.earned)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${r.earn.belowMinimum ? ' — below the minimum spend' : ''}`,
    `Balance: ${f.points(r.balance)}`,
    ...f.tier(r.tier),
    ...f.expiring(r.expiringSoon),
  ];
}

/**
 * The dispatch. One door in (DESIGN; tests/integration/cli-one-door.test.ts): every command that books
 * or reads member data, and the managers', printers' and print queue's commands, run through the
 * handler map the screens use (`withDoor`), so they get the same validation, refusals and manager
 * rule (`--manager ID`, the PIN on stdin). These stay direct, each for its reason:
 * - init, restore, backup: they make or copy the file itself (before init there is no terminal to ask);
 * - enrol, sync, eod: services of their own (src/terminal/sync), as in the host; eod queues its report slip itself;
 * - periodic: the host's periodic-bookings service, run once: time-driven entries no screen requests;
 * - print run: the print worker itself (the map only queues);
 * - host, scan: start the host, or reach a running one through its socket;
 * - program sign, keys generate/certify, qr issue, terminal key install: head office's signing tools and
 *   this terminal's key (qr issue needs a member's QR reference, which no method gives a screen);
 * - card parse, scanner list/add/remove: the card-code parser's diagnostic and the scanners'
 *   configuration (scanner watch parses each scan here too, and looks its member up through the map).
 */
async function run(name: string, options: Options, ctx: RunContext): Promise<number> {
  const { out } = ctx;
  // A card never seen here: an enrolled terminal asks the server first (briefly; offline it goes on).
  if (typeof options.card === 'string' && CARD_COMMANDS.has(name)) {
    await lookUpUnknownCard(ctx.db, options.card, { secrets: () => new FileSecretStore(secretsDirFor(ctx.db)), now: Date.now });
  }
  switch (name) {
    case 'init': {
      const programPath = required(options, 'program');
      const file = readProgramAt(programPath);
      const { program } = file;
      const timeZone = optional(options, 'time-zone') ?? program.timeZone;
      if (timeZone === undefined) throw new UsageError('--time-zone is required (the program names none)');
      if (!isTimeZone(timeZone)) throw new TallyError('invalid-input', `Unknown time zone "${timeZone}" (use an IANA name such as Asia/Seoul)`);
      const storeId = required(options, 'store');
      const terminalId = required(options, 'terminal');
      for (const [what, id] of [['store', storeId], ['terminal', terminalId]] as const) {
        if (!/^[A-Za-z0-9._-]{1,32}$/.test(id)) throw new TallyError('invalid-input', `--${what} must be 1-32 letters, digits, dots, dashes or underscores`);
      }
      const demo = options.demo === true;
      const programKeys = programKeysFrom(options);
      const now = checkWriteClock(ctx, null);
      // A new folder for the ledger is its owner's alone (the ledger holds members' personal data).
      mkdirSync(dirname(ctx.db), { recursive: true, mode: 0o700 });
      const ledger = Ledger.init(ctx.db, { storeId, terminalId, timeZone, programText: file.text, programSource: programPath, now, demo, programKeys });
      ledger.close();
      if (demo) ctx.io.stderr(DEMO_NOTICE);
      out([`Initialised ${ctx.dbShown}: store ${storeId}, terminal ${terminalId}, ${timeZone}, program ${program.id} v${program.version} (${program.currency})${demo ? ', DEMO terminal' : ''}`], {
        db: ctx.db,
        storeId,
        terminalId,
        timeZone,
        programId: program.id,
        programVersion: program.version,
        demo,
      });
      return 0;
    }
    case 'program install':
      return withDoor(
        ctx,
        false,
        async (map) => {
          const programPath = required(options, 'program');
          const file = readProgramAt(programPath);
          const session = await sessionFrom(ctx, map, options);
          const keys = programKeysFrom(options);
          const r = (await map.invoke('program-install', { document: file.text, source: programPath, ...(keys.length > 0 ? { pinKeys: keys } : {}) }, session)) as { programId: string; version: number; previousVersion: number; signedWith: string | null };
          out([`Installed program ${r.programId} v${r.version}${r.signedWith ? `, signed with ${r.signedWith}` : ''}`], { programId: r.programId, programVersion: r.version, signedWith: r.signedWith });
          return 0;
        },
        { printAfter: false },
      );
    case 'enrol': {
      // A real terminal starts here: the server's one-time code creates the ledger with the signed program.
      const server = required(options, 'server');
      mkdirSync(dirname(ctx.db), { recursive: true, mode: 0o700 });
      const r = await enrolTerminal({ dbPath: ctx.db, serverUrl: server, code: required(options, 'code'), now: Date.now() });
      out(
        [
          `Enrolled ${ctx.dbShown} with ${server}: store ${r.storeId}, terminal ${r.terminalId}, ${r.timeZone}, program ${r.programId} v${r.programVersion}`,
          `Slips carry member QR codes signed by this terminal until ${isoInstant(r.certificateExpiresAt).slice(0, 10)}; its secrets are in ${ctx.dbShown}.secrets/`,
          'Sync with: tally sync',
        ],
        { db: ctx.db, server, ...r },
      );
      return 0;
    }
    case 'sync': {
      const ledger = openLedger(ctx);
      try {
        const secrets = new FileSecretStore(secretsDirFor(ctx.db));
        const total = pendingCount(ledger.db);
        if (!ctx.json) ctx.io.stdout(`Pushing ${total} outbox ${total === 1 ? 'entry' : 'entries'} to the server…`);
        let shown = -1;
        let pulled = -1;
        const r = await syncNow(ledger, secrets, {
          now: Date.now,
          ...(options.paged === true ? { bootstrap: false } : {}),
          onProgress: (p) => {
            const percent = p.total === 0 ? 100 : Math.min(100, Math.floor((p.acknowledged * 100) / p.total));
            if (!ctx.json && percent >= shown + 10) {
              shown = percent;
              ctx.io.stdout(`  ${p.acknowledged} of ${p.total} acknowledged (${percent}%)`);
            }
          },
          onPullProgress: (p) => {
            // Every tenth, and the end (a first sync's stream stops at 99 until it is committed).
            if (!ctx.json && (p.percent >= pulled + 10 || (p.percent === 100 && pulled < 100))) {
              if (pulled < 0) ctx.io.stdout('Pulling changes from the server…');
              pulled = p.percent;
              ctx.io.stdout(`  ${p.entries} ${p.entries === 1 ? 'entry' : 'entries'} in ${p.pages} ${p.pages === 1 ? 'page' : 'pages'} (${p.percent}%)`);
            }
          },
        });
        const lines = [
          r.push.remaining === 0 ? `Everything is on the server (${r.push.acknowledged} ${r.push.acknowledged === 1 ? 'entry' : 'entries'} acknowledged)` : `${r.push.remaining} ${r.push.remaining === 1 ? 'entry' : 'entries'} still waiting (booked while this sync ran, or the server stopped answering); sync again`,
          ...r.push.conflicts.map((c) => `! The server holds a different ${c.entity} ${c.id}: head office has an alert to look at`),
          `Up to date with the server: ${r.pull.members} ${r.pull.members === 1 ? 'member' : 'members'} and ${r.pull.transfers} ${r.pull.transfers === 1 ? 'transfer' : 'transfers'} from other counters`,
          ...r.pull.cardConflicts.map((code) => `! Card ${code} belongs to another member here: head office has an alert to look at`),
        ];
        out(lines, r);
        return r.push.remaining === 0 && r.push.conflicts.length === 0 ? 0 : 1;
      } finally {
        ledger.close();
      }
    }
    case 'eod': {
      const day = optional(options, 'day');
      if (day !== undefined && !dayKeySchema.safeParse(day).success) throw new UsageError(`--day is a day of the calendar written YYYY-MM-DD, got "${day}"`);
      const outShown = optional(options, 'out');
      const outFile = outShown === undefined ? undefined : resolve(ctx.io.cwd, outShown);
      // Refused before anything is done: a typo must not cost a sync and a backup first.
      if (outFile !== undefined) {
        refuseLedgerFiles(outFile, ctx.db);
        if (existsSync(outFile)) throw new TallyError('invalid-input', `${outShown} already exists; output files are never overwritten: choose a new name`);
      }
      const backupShown = optional(options, 'backup-dir');
      const backupDir = backupShown === undefined ? defaultBackupDir(ctx.db) : resolve(ctx.io.cwd, backupShown);
      // The full integrity check, as tally verify runs it: the day's backup must be of a sound file.
      return withService(
        ctx,
        false,
        async (service, f, printing) => {
          const printer = options.print === true ? printing!.printers.receiptPrinter() : undefined;
          if (options.print === true && !printer) throw new TallyError('invalid-input', 'No printer configured for --print: add one with tally printer add');
          const outcome = await endOfDay(service.ledger, new FileSecretStore(secretsDirFor(ctx.db)), { ...(day !== undefined ? { day } : {}), clock: ctx.clock, wallClock: Date.now, backupDir });
          const shown = (absolute: string): string => (backupShown === undefined && absolute.startsWith(ctx.db) ? `${ctx.dbShown}${absolute.slice(ctx.db.length)}` : absolute);
          out(eodLines(outcome, { lang: ctx.lang, money: (n) => f.money(n), path: shown }), outcome);
          if (outFile !== undefined) {
            writeNewFile(outFile, `${JSON.stringify(outcome, null, 2)}\n`, ctx.db);
            if (!ctx.json) ctx.io.stdout(printable(ctx.lang === 'ko' ? `보고서 저장: ${outShown}` : `Report written to ${outShown}`));
          }
          if (printer) {
            const now = ctx.clock();
            printing!.queue.enqueue(printer.id, eodSlip(outcome, service.ledger, now), { now });
          }
          if (!outcome.clean) ctx.io.stderr(printable(`tally: end of day ${outcome.day} not confirmed: ${outcome.problems.map((p) => p.en).join('; ')}`));
          return outcome.clean ? 0 : 1;
        },
        { check: 'full' },
      );
    }
    case 'program sign': {
      // Head office's tool (the server's job later): checks the program, then signs it with the program key.
      const programPath = resolve(ctx.io.cwd, required(options, 'program'));
      const file = readProgramAt(programPath);
      const key = readSigningKey(resolve(ctx.io.cwd, required(options, 'signing-key')));
      const signed = signProgramJson(JSON.parse(file.text) as unknown, key);
      const target = resolve(ctx.io.cwd, required(options, 'out'));
      writeNewFile(target, `${JSON.stringify(signed, null, 2)}\n`, ctx.db);
      out([`Signed program ${file.program.id} v${file.program.version} with key ${key.id}: ${required(options, 'out')}`], { programId: file.program.id, programVersion: file.program.version, keyId: key.id, file: target });
      return 0;
    }
    case 'member add':
      return withDoor(ctx, false, async (map, f) => {
        const cards = (options.card as string[] | undefined) ?? [];
        if (cards.length === 0) throw new UsageError('--card is required (repeat it for several cards)');
        const birthday = optional(options, 'birthday');
        const pin = options['pin-stdin'] === true ? (await stdinLines(ctx, "The member's new PIN"))[0]! : undefined;
        const r = (await map.invoke('enrol', {
          ...(pin !== undefined ? { pin } : {}),
          cards,
          ...(optional(options, 'name') !== undefined ? { name: optional(options, 'name')! } : {}),
          ...(optional(options, 'phone') !== undefined ? { phone: optional(options, 'phone')! } : {}),
          ...(optional(options, 'email') !== undefined ? { email: optional(options, 'email')! } : {}),
          ...(birthday !== undefined ? { birthday } : {}),
          marketingConsent: options.consent === true,
          ...(optional(options, 'cashier') !== undefined ? { cashier: optional(options, 'cashier')! } : {}),
          ...(optional(options, 'referred-by') !== undefined ? { referredBy: optional(options, 'referred-by')! } : {}),
        })) as EnrolResult;
        const referral = r.referral === undefined ? [] : [`Referral bonus for the referrer: ${f.points(r.referral.points)} (their balance: ${f.points(r.referral.balance)})`];
        out([`${r.replayed ? 'Already enrolled' : 'Enrolled'}: member ${r.memberId}`, ...(r.welcomePoints > 0 ? [`Welcome bonus: ${f.points(r.welcomePoints)}`] : []), `Balance: ${f.points(r.balance)}`, ...referral], r);
        return 0;
      });
    case 'member update':
      return withDoor(ctx, false, async (map, f) => {
        const consent = optional(options, 'consent');
        if (consent !== undefined && consent !== 'yes' && consent !== 'no') throw new UsageError('--consent is yes or no');
        // An empty value clears an optional detail: --email ''.
        const detail = (name: string): { [key: string]: string | null } => {
          const value = options[name];
          return typeof value === 'string' ? { [name]: value.trim() === '' ? null : value.trim() } : {};
        };
        const m = (await map.invoke('member-update', {
          card: required(options, 'card'),
          ...detail('name'),
          ...detail('phone'),
          ...detail('email'),
          ...detail('birthday'),
          ...(consent !== undefined ? { marketingConsent: consent === 'yes' } : {}),
          addCards: (options['add-card'] as string[] | undefined) ?? [],
        })) as MemberSummary;
        out([`Updated member ${m.memberId} (version ${m.version})`, ...memberLines(m, f)], m);
        return 0;
      });
    case 'member pin':
      return withDoor(ctx, false, async (map, f) => {
        const clear = options.clear === true;
        const manager = optional(options, 'manager');
        // Once the terminal has managers, --manager names one of them and their PIN comes first on stdin.
        const roles = manager !== undefined && ((await map.invoke('manager-status', {})) as { managers: number }).managers > 0;
        // Then the new PIN, or "current PIN" then "new PIN", one per line; never on the command line.
        const lines = (roles || !clear || manager === undefined) ? await stdinLines(ctx, roles ? `Manager ${manager}'s PIN, then the member's new PIN` : clear ? "The member's current PIN" : "The member's new PIN") : [];
        const session = roles ? await managerSession(map, manager!, lines.shift()) : undefined;
        const [currentPin, pin] = clear ? [manager === undefined ? lines[0] : undefined, null] : lines.length >= 2 ? [lines[0], lines[1]!] : [undefined, lines[0]];
        if (!clear && pin === undefined) throw new UsageError("The member's new PIN is read from standard input: nothing came");
        const args = { card: required(options, 'card'), pin: pin ?? null, ...(currentPin !== undefined && manager === undefined ? { currentPin } : {}), ...(manager !== undefined && !roles ? { manager } : {}) };
        const m = (await map.invoke('member-set-pin', args, session)) as MemberSummary;
        out([clear ? `PIN cleared for member ${m.memberId}` : `PIN set for member ${m.memberId}`, ...memberLines(m, f)], m);
        return 0;
      });
    case 'member erase':
      return withDoor(ctx, false, async (map) => {
        const by = optional(options, 'by');
        const m = (await map.invoke('member-erase', { card: required(options, 'card'), reason: required(options, 'reason'), ...(by !== undefined ? { by } : {}) }, await sessionFrom(ctx, map, options))) as MemberSummary;
        out([`Erased the personal data of member ${m.memberId}: details, PIN and cards removed; balance ${m.balance} points and history kept`], m);
        return 0;
      });
    case 'member search':
      // The manager screen's search (it shows personal details): a manager's once the terminal has one.
      return withDoor(
        ctx,
        false,
        async (map, f) => {
          const limit = optional(options, 'limit');
          const session = await sessionFrom(ctx, map, options);
          const r = (await map.invoke('member-search', { query: required(options, 'query'), ...(limit !== undefined ? { limit: wholeNumber(limit, 'Limit') } : {}) }, session)) as { members: MemberSummary[] };
          out(r.members.length === 0 ? ['No member matches'] : r.members.map((m) => `${m.memberId}  ${m.name ?? '(no name)'}  ${m.cards.length > 0 ? m.cards.map(maskCard).join(', ') : 'no card'}  ${f.points(m.balance)}`), r);
          return 0;
        },
        { printAfter: false },
      );
    case 'member show':
    case 'balance':
      return withDoor(ctx, true, async (map, f) => {
        const m = (await map.invoke('member-lookup', { card: required(options, 'card') })) as MemberSummary;
        out(name === 'balance' ? [`Balance: ${f.points(m.balance)}`, ...f.tier(m.tier), ...f.expiring(m.expiringSoon)] : memberLines(m, f), m);
        return 0;
      });
    case 'quote':
      return withDoor(ctx, true, async (map, f) => {
        const redeem = redeemFrom(options);
        const bonusDay = optional(options, 'bonus-day');
        const q = (await map.invoke('quote', { card: required(options, 'card'), basket: basketFrom(options, f.program.currency), ...(redeem ? { redeem } : {}), ...(bonusDay ? { useBonusDay: bonusDay } : {}) })) as Quote;
        const pac = q.redemption.pointsAsCurrency;
        out(
          [
            `Basket: ${f.money(q.basketTotal)}, due ${f.money(q.amountDue)}`,
            `Would earn: ${f.points(q.earn.points + q.earn.memberBonusDayPoints)} (${q.earn.components.map((c) => f.component(c)).join(', ') || 'nothing'})`,
            `Balance: ${f.points(q.balanceBefore)} → ${f.points(q.balanceAfter)}`,
            ...(pac ? [`Points as payment: ${pac.available ? `${pac.minimumPoints}–${pac.maximumPoints} points in steps of ${pac.step} (up to ${f.money(pac.maximumDiscount)})` : 'not available for this basket'}`] : []),
            ...q.redemption.rewards.map((r) => `Reward ${r.id} (${r.points} points): ${r.available ? `−${f.money(r.discount)}` : `not available — ${r.reason ?? ''}`}`),
            ...q.bonusDays.memberChoice.map((d) => `Bonus day ${f.bonusDayName(d.id)}: ${d.available ? `available (${d.left} left this year)` : `not available — ${d.reason ?? ''}`}`),
            ...f.tier(q.tierAfter),
          ],
          q,
        );
        return 0;
      });
    case 'checkout':
      return withDoor(ctx, false, async (map, f) => {
        const redeem = redeemFrom(options);
        const bonusDay = optional(options, 'bonus-day');
        const cashier = optional(options, 'cashier');
        const proof = await spendProofFrom(options, ctx);
        const args = {
          ...(proof ? { proof } : {}),
          card: required(options, 'card'),
          txnId: required(options, 'txn'),
          basket: basketFrom(options, f.program.currency),
          ...(redeem ? { redeem } : {}),
          ...(bonusDay ? { useBonusDay: bonusDay } : {}),
          ...(cashier ? { cashier } : {}),
        };
        // A spend takes its hold on the server (or the offline budget) in the map, as at the screen.
        const r = (await map.invoke('checkout-commit', args)) as CheckoutResult;
        out(checkoutLines(r, f, `Checkout ${r.txnId}${r.replayed ? ' (already booked; nothing new written)' : ''}`), r);
        return 0;
      });
    case 'return':
      return withDoor(ctx, false, async (map, f) => {
        const amount = optional(options, 'amount');
        const lineArgs = (options.line as string[] | undefined) ?? [];
        const linesFile = optional(options, 'lines');
        const all = options.all === true;
        const modes = [amount !== undefined, lineArgs.length > 0, linesFile !== undefined, all].filter(Boolean).length;
        if (modes !== 1) throw new UsageError('give one of --amount, --line SKU:QTY (repeatable), --lines FILE or --all');
        let lines: { sku: string; quantity: number }[] | undefined;
        if (lineArgs.length > 0) {
          lines = lineArgs.map((arg) => {
            const m = /^(.+):(\d+)$/.exec(arg);
            if (!m) throw new TallyError('invalid-input', `--line takes SKU:QUANTITY, got "${arg}"`);
            return { sku: m[1]!, quantity: Number(m[2]) };
          });
        } else if (linesFile !== undefined) {
          lines = readJsonFile(linesFile, 'lines file') as { sku: string; quantity: number }[];
        }
        const terminal = optional(options, 'terminal');
        const cashier = optional(options, 'cashier');
        const store = optional(options, 'store');
        const common = {
          originalTxnId: required(options, 'txn'),
          returnId: required(options, 'return-id'),
          ...(terminal ? { originalTerminal: terminal } : {}),
          ...(store ? { originalStore: store } : {}),
          ...(cashier ? { cashier } : {}),
        };
        const args: ReturnArgs = all ? { ...common, all: true } : amount !== undefined ? { ...common, amount: wholeNumber(amount, 'Amount') } : { ...common, lines: lines ?? [] };
        // At an enrolled terminal the points taken back are held on the server first, like a spend:
        // another counter may have let the member spend them already (then they are uncollected).
        const r = (await map.invoke('return-commit', args)) as ReturnResult;
        out(
          [
            `Return ${r.txnId} of sale ${r.originalTxnId}${r.replayed ? ' (already booked; nothing new written)' : ''}${r.fullyReturned ? ' — sale fully returned' : ''}`,
            `Points taken back: ${f.points(r.pointsCollected)}${r.pointsUncollected > 0 ? ` (${f.points(r.pointsUncollected)} already spent or not confirmed by the server${r.refundDeduction > 0 ? `: take ${f.money(r.refundDeduction)} off the refund` : ', written off'})` : ''}`,
            ...((r.pointsExpired ?? 0) > 0 ? [`Not taken again: ${f.points(r.pointsExpired ?? 0)} of the sale had already expired`] : []),
            ...(r.redeemedRestored > 0
              ? [`Redeemed points given back: ${f.points(r.redeemedRestored)}${(r.redeemedExpired ?? 0) > 0 ? ` (${f.points(r.redeemedExpired ?? 0)} past their expiry date: expired at once)` : ''}`]
              : []),
            ...(r.membershipCancelled !== null ? [`Membership ${f.planName(r.membershipCancelled)} cancelled: refund its fee`] : []),
            // A replay books nothing: the balance as it is now, not as the first booking left it.
            r.replayed ? `Balance now: ${f.points(((await map.invoke('member-summary', { memberId: r.memberId })) as MemberSummary).balance)}` : `Balance: ${f.points(r.balance)}`,
          ],
          r,
        );
        return 0;
      });
    case 'action':
      return withDoor(ctx, false, async (map, f) => {
        const ref = optional(options, 'ref');
        const id = optional(options, 'id');
        const cashier = optional(options, 'cashier');
        const actionId = required(options, 'action');
        const r = (await map.invoke('action', { card: required(options, 'card'), actionId, ...(ref ? { reference: ref } : {}), ...(id ? { txnId: id } : {}), ...(cashier ? { cashier } : {}) })) as PointsResult;
        const actionName = f.program.bonuses.actions.find((a) => a.id === actionId)?.name[f.lang] ?? actionId;
        if (r.replayed) {
          // A replay books nothing: say so, and show the balance as it is now (the result keeps the first booking's).
          const balanceNow = ((await map.invoke('member-summary', { memberId: r.memberId })) as MemberSummary).balance;
          out([`Action bonus (${actionName}) was booked before (${f.points(r.points)}): nothing new was booked`, `Balance now: ${f.points(balanceNow)}`], { ...r, balanceNow });
        } else {
          out([`Action bonus (${actionName}): ${f.points(r.points)}`, `Balance: ${f.points(r.balance)}`], r);
        }
        return 0;
      });
    case 'donate':
      return withDoor(ctx, false, async (map, f) => {
        const cashier = optional(options, 'cashier');
        const charity = required(options, 'charity');
        const proof = await spendProofFrom(options, ctx);
        const args = { ...(proof ? { proof } : {}), card: required(options, 'card'), charityId: charity, points: wholeNumber(required(options, 'points'), 'Points to donate'), donationId: required(options, 'id'), ...(cashier ? { cashier } : {}) };
        const r = (await map.invoke('donate', args)) as PointsResult;
        const charityName = f.program.charities.find((c) => c.id === charity)?.name[f.lang] ?? charity;
        out([`Donated ${f.points(r.points)} to ${charityName}${r.replayed ? ' (already booked)' : ''}`, `Balance: ${f.points(r.balance)}`], r);
        return 0;
      });
    case 'membership sell':
    case 'membership renew':
      return withDoor(ctx, false, async (map, f) => {
        const fee = optional(options, 'fee');
        const cashier = optional(options, 'cashier');
        const r = (await map.invoke('membership-sale', { card: required(options, 'card'), planId: required(options, 'plan'), txnId: required(options, 'txn'), ...(fee !== undefined ? { fee: wholeNumber(fee, 'Fee') } : {}), ...(cashier ? { cashier } : {}) })) as MembershipResult;
        out([`Membership ${f.planName(r.planId)}: ${f.money(r.fee)}, ${r.endsAt === null ? 'lifetime' : `valid ${f.day(r.startsAt + 1)} to ${f.day(r.endsAt)}`}${r.replayed ? ' (already booked)' : ''}`, `Balance: ${f.points(r.balance)}`], r);
        return 0;
      });
    case 'adjust':
      return withDoor(ctx, false, async (map, f) => {
        const cashier = optional(options, 'cashier');
        // As at a screen: once the terminal has managers, a correction needs one (--manager, PIN on stdin).
        const manager = optional(options, 'manager');
        const session = await sessionFrom(ctx, map, options);
        const r = (await map.invoke('adjust', { card: required(options, 'card'), points: wholeNumber(required(options, 'points'), 'Points', true), reason: required(options, 'reason'), txnId: required(options, 'id'), ...(cashier ? { cashier } : {}) }, session)) as PointsResult;
        out([`Adjusted by ${r.points > 0 ? '+' : ''}${r.points}${r.replayed ? ' (already booked)' : ''}${manager !== undefined ? `, authorised by manager ${manager}` : ''}`, `Balance: ${f.points(r.balance)}`], r);
        return 0;
      });
    case 'manager add':
    case 'manager list':
    case 'manager pin':
    case 'manager remove':
      return withDoor(ctx, false, (map, f) => managerCommand(ctx, name, options, map, f, out), { printAfter: false });
    case 'history':
      return withDoor(ctx, true, async (map, f) => {
        const limit = optional(options, 'limit');
        const h = (await map.invoke('history', { card: required(options, 'card'), ...(limit !== undefined ? { limit: wholeNumber(limit, 'Limit') } : {}) })) as ReturnType<LoyaltyService['history']>;
        out(
          h.entries.map((e) => `${f.time(e.bookedAt)}  ${e.kind.padEnd(24)} ${(e.unit === 'points' ? `${e.points > 0 ? '+' : ''}${e.points}` : f.money(e.money ?? 0)).padStart(12)}  ${e.posTxnId ?? e.period ?? ''}`),
          h,
        );
        return 0;
      });
    case 'periodic':
      return withService(ctx, false, (service) => {
        const r = service.runPeriodic();
        out([`Checked ${r.members} members: booked ${r.transfers} transfers and ${r.events} events`], r);
        return 0;
      });
    case 'host': {
      const portText = optional(options, 'port');
      const port = portText === undefined ? 0 : wholeNumber(portText, 'Port');
      if (port > 65535) throw new UsageError('--port is 0 to 65535 (0: any free port)');
      const quietText = optional(options, 'checkpoint-after');
      const quiet = quietText === undefined ? undefined : wholeNumber(quietText, 'Seconds');
      if (quiet !== undefined && (quiet < 1 || quiet > 3600)) throw new UsageError('--checkpoint-after is 1 to 3600 seconds');
      const log = (line: string): void => ctx.io.stderr(printable(line));
      // Printing, scanners, idle checkpoints, periodic bookings; background sync for an enrolled terminal.
      const served = await startServedHost({ db: ctx.db, clock: ctx.clock, clockOverridden: ctx.clockOverridden, log, ...(quiet !== undefined ? { checkpoints: { idleMs: quiet * 1000 } } : {}) }, { port, log });
      const { socket } = served;
      if (served.host.ledger.terminal.demo) ctx.io.stderr(DEMO_NOTICE);
      // The one line a screen needs; it holds the secret, so it goes to stdout for the one who started the host, never to a log.
      out([`Terminal host for ${ctx.dbShown}: ${socket.url}`], { url: socket.url, port: socket.port, secret: socket.secret });
      const signal = await serveUntilSignal(served);
      ctx.io.stderr(`tally: terminal host stopped (${signal}); the ledger is checkpointed and closed`);
      return 0;
    }
    case 'scan': {
      const code = ctx.words[1]!;
      const ledger = openLedger(ctx, { readonly: true });
      let f: Formatter;
      try {
        f = new Formatter(ledger.program, ctx.lang, ledger.terminal.timeZone);
      } finally {
        ledger.close();
      }
      const sent = await sendScan(ctx.db, code);
      if (sent.kind === 'no-host') {
        const message = `No terminal host is running for ${ctx.dbShown} (${sent.why}): the scan reached no screen. Start one with tally host, or look the card up here with tally balance --card CODE`;
        if (ctx.json) ctx.io.stdout(JSON.stringify({ error: { code: 'host-not-running', message } }, null, 2));
        ctx.io.stderr(printable(`tally: ${message}`));
        return SCAN_NO_HOST;
      }
      const told = `Sent to the terminal host (process ${sent.pid}): ${sent.scan.shown}`;
      if (sent.member.type === 'reply') {
        const member = sent.member.result as MemberSummary;
        out([told, ...memberLines(member, f)], { host: { pid: sent.pid }, scan: sent.scan, member });
        return 0;
      }
      const refusal = sent.member.error;
      if (ctx.json) ctx.io.stdout(JSON.stringify({ host: { pid: sent.pid }, scan: sent.scan, error: refusal }, null, 2));
      else ctx.io.stdout(printable(told));
      ctx.io.stderr(printable(`tally: ${refusal.message}`));
      return 1;
    }
    case 'verify': {
      // Always the full integrity_check and foreign_key_check (other commands run them only when due),
      // then every balance, lot and sequence recomputed from the transfers.
      return withDoor(
        ctx,
        true,
        async (map) => {
          const r = (await map.invoke('verify', {})) as VerifyReport;
          out(r.ok ? [`Ledger OK: ${r.counts.members} members, ${r.counts.transfers} transfers, ${r.counts.lots} lots, ${r.counts.outboxPending} outbox rows waiting for sync`] : ['Ledger has problems:', ...r.problems.map((p) => `  ${p}`)], r);
          return r.ok ? 0 : 1;
        },
        { check: 'full' },
      );
    }
    case 'backup':
      return withService(ctx, true, (service) => {
        const to = resolve(ctx.io.cwd, required(options, 'to'));
        service.backup(to);
        out([`Backed up ${ctx.dbShown} to ${required(options, 'to')}`], { db: ctx.db, backup: to, at: isoInstant(ctx.clock()) });
        return 0;
      });
    case 'card parse':
      return withService(ctx, true, (service) => {
        const parsed = service.parseCard(required(options, 'card'));
        const human = parsed.ok
          ? parsed.kind === 'card'
            ? [`Member card ${parsed.code} (rule ${parsed.ruleId}, ${parsed.symbology})`]
            : [
                `Member QR code (${parsed.scope === 'spend' ? 'spend code: identifies and proves the member is here, once' : 'identifies only'}), signed with key ${parsed.keyId}${parsed.issuedBy ? ` by terminal key ${parsed.issuedBy.terminalKeyId} (store ${parsed.issuedBy.storeId}, terminal ${parsed.issuedBy.terminalId})` : ''}, valid until ${isoInstant(parsed.expiresAt)}`,
                `Member: ${service.ledger.memberIdForQrRef(parsed.memberRef) ?? 'not on this terminal'}`,
              ]
          : [`Refused: ${parsed.message} (${parsed.reason})`];
        out(human, parsed);
        return parsed.ok ? 0 : 1;
      });
    case 'scanner list': {
      // The scanners this terminal runs (when there is a ledger), then what this computer sees.
      let configured: ScannerConfig[] = [];
      if (existsSync(ctx.db)) {
        const ledger = openLedger(ctx);
        try {
          configured = new ScannerRegistry(ledger).list();
        } finally {
          ledger.close();
        }
      }
      const found = await listScanners();
      out(
        [`Configured scanners (${configured.length}):`, ...(configured.length === 0 ? ['  none: add one with tally scanner add'] : configured.map((c) => `  ${describeScanner(c)}`)), ...describeDevices(found)],
        { configured, ...found },
      );
      return 0;
    }
    case 'scanner add': {
      const baud = optional(options, 'baud');
      const suffix = optional(options, 'suffix');
      const ledger = openLedger(ctx);
      try {
        const saved = new ScannerRegistry(ledger).save(
          scannerArgs({
            id: required(options, 'id'),
            ...(optional(options, 'serial') !== undefined ? { serial: optional(options, 'serial')! } : {}),
            ...(optional(options, 'serial-usb') !== undefined ? { serialUsb: optional(options, 'serial-usb')! } : {}),
            ...(optional(options, 'hid') !== undefined ? { hid: optional(options, 'hid')! } : {}),
            ...(baud !== undefined ? { baud: wholeNumber(baud, 'Baud rate') } : {}),
            ...(suffix !== undefined ? { suffix } : {}),
          }),
          ctx.clock(),
        );
        out([`Scanner ${describeScanner(saved)}`, 'The terminal host runs it from its next start (tally host)'], saved);
        return 0;
      } finally {
        ledger.close();
      }
    }
    case 'scanner remove': {
      const ledger = openLedger(ctx);
      try {
        const id = required(options, 'id');
        new ScannerRegistry(ledger).remove(id);
        out([`Scanner ${id} removed; a running terminal host lets it go at its next start`], { id, removed: true });
        return 0;
      } finally {
        ledger.close();
      }
    }
    case 'scanner watch': {
      const suffix = optional(options, 'suffix');
      if (suffix !== undefined && !['any', 'cr', 'lf', 'crlf', 'none'].includes(suffix)) throw new UsageError('--suffix is any, cr, lf, crlf or none');
      const count = optional(options, 'count');
      const baud = optional(options, 'baud');
      const serialUsb = optional(options, 'serial-usb');
      const hid = optional(options, 'hid');
      const serial = optional(options, 'serial');
      return withDoor(ctx, true, (map, f) =>
        watchScanner(
          // The parser's verdict from the program in force; the member through the map, as a screen looks one up.
          { parse: (text) => parseCardCode({ text }, f.program, Date.now()), member: async (card) => (await map.invoke('member-lookup', { card })) as MemberSummary },
          {
            ...(serial !== undefined ? { serialPath: serial } : {}),
            ...(serialUsb !== undefined ? { serialUsb: parseUsbMatch(serialUsb) } : {}),
            ...(hid !== undefined ? { hid: parseUsbMatch(hid) } : {}),
            ...(baud !== undefined ? { baudRate: wholeNumber(baud, 'Baud rate') } : {}),
            ...(suffix !== undefined ? { suffix: suffix as Suffix } : {}),
            ...(count !== undefined ? { count: wholeNumber(count, 'Count') } : {}),
          },
          (event) => {
            if (ctx.json) {
              ctx.io.stdout(JSON.stringify(event));
              return;
            }
            const line = (text: string): void => ctx.io.stdout(printable(text));
            if (event.type === 'status') line(`[${event.status.kind}] ${event.status.deviceId}${event.status.kind === 'offline' ? `: ${event.status.reason}` : event.status.kind === 'reconnecting' ? ` (attempt ${event.status.attempt}, next in ${event.status.retryInMs} ms)` : ''}`);
            else if (event.type === 'error') line(`[error] ${event.error.message}`);
            else {
              const r = event.result;
              line(`${event.scan.text} (${event.scan.symbology}) → ${r['ok'] === true ? `member ${String(r['memberId'])}${r['name'] ? ` ${String(r['name'])}` : ''}, ${f.points(Number(r['balance']))}` : String(r['message'])}`);
            }
          },
        ),
      );
    }
    case 'printer add':
      return withDoor(ctx, false, async (map) => {
        const lang = optional(options, 'slip-lang') ?? ctx.lang;
        if (lang !== 'en' && lang !== 'ko') throw new UsageError('--slip-lang is en or ko');
        const baud = optional(options, 'baud');
        const timeout = optional(options, 'timeout');
        const args = printerArgs({
          id: required(options, 'id'),
          profile: required(options, 'profile'),
          lang,
          ...(optional(options, 'tcp') !== undefined ? { tcp: optional(options, 'tcp')! } : {}),
          ...(optional(options, 'serial') !== undefined ? { serial: optional(options, 'serial')! } : {}),
          ...(optional(options, 'usb') !== undefined ? { usb: optional(options, 'usb')! } : {}),
          ...(baud !== undefined ? { baud: wholeNumber(baud, 'Baud rate') } : {}),
          ...(options.rtscts === true ? { rtscts: true } : {}),
          ...(timeout !== undefined ? { timeoutMs: wholeNumber(timeout, 'Timeout') } : {}),
        });
        const { printer: saved } = (await map.invoke('printer-save', args as MethodArgsInput<'printer-save'>, await sessionFrom(ctx, map, options))) as { printer: PrinterConfig };
        out([`Printer ${describePrinter(saved)}`], saved);
        return 0;
      });
    case 'printer list':
      return withDoor(ctx, false, async (map) => {
        const { printers: list } = (await map.invoke('printer-list', {})) as { printers: PrinterConfig[] };
        out(list.length === 0 ? ['No printers: add one with tally printer add'] : list.map(describePrinter), list);
        return 0;
      });
    case 'printer enable':
    case 'printer disable':
      return withDoor(ctx, false, async (map) => {
        const id = required(options, 'id');
        await map.invoke('printer-enable', { id, enabled: name === 'printer enable' }, await sessionFrom(ctx, map, options));
        out([`Printer ${id} ${name === 'printer enable' ? 'enabled' : 'disabled'}`], { id, enabled: name === 'printer enable' });
        return 0;
      });
    case 'printer status':
      return withDoor(ctx, false, async (map) => {
        const id = optional(options, 'id');
        const r = (await map.invoke('printer-status', id !== undefined ? { id } : {})) as { printerId: string; status: PrinterStatus | null; ready: boolean };
        out([`${r.printerId}: ${describePrinterStatus(r.status, ctx.lang)}`], { printerId: r.printerId, status: r.status });
        return r.ready ? 0 : 1;
      });
    case 'printer test':
      return withDoor(ctx, false, async (map) => {
        const id = optional(options, 'id');
        const { job } = (await map.invoke('printer-test', id !== undefined ? { id } : {})) as { job: number };
        out([`Test slip queued as job #${job}`], { job });
        return 0;
      });
    case 'print queue':
      return withDoor(ctx, false, async (map, f) => {
        const limit = optional(options, 'limit');
        const { jobs } = (await map.invoke('print-queue', limit !== undefined ? { limit: wholeNumber(limit, 'Limit') } : {})) as { jobs: (Omit<PrintJob, 'slip'> & { txnId: string })[] };
        out(jobs.length === 0 ? ['The print queue is empty'] : jobs.map((j) => describeJob(j, (t) => f.time(t))), jobs);
        return 0;
      }, { printAfter: false });
    case 'print run':
      // This command is the printing: no second attempt after it (printAfter: false).
      return withService(
        ctx,
        false,
        async (_service, _f, printing) => {
          if (options.watch === true) {
            const controller = new AbortController();
            const stop = (): void => controller.abort();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
            try {
              // The printers' owner while it runs: commands leave their slips to it.
              await printing!.worker.run(controller.signal, { holder: 'tally print run --watch' });
            } finally {
              process.off('SIGINT', stop);
              process.off('SIGTERM', stop);
            }
            return 0;
          }
          const outcome = await printing!.worker.drain({ ignoreRetryTimes: true, waitForCommandMs: PRINT_BUDGET_MS });
          out(
            [
              `Printed ${outcome.printed} slip${outcome.printed === 1 ? '' : 's'}`,
              ...outcome.waiting.map((w) => `Printer ${w.printerId} waiting: ${w.reason}`),
              ...(outcome.leftTo ?? []).map((l) => `Printer ${l.printerId} is printed by ${l.holder}: left to it`),
            ],
            outcome,
          );
          return outcome.waiting.length === 0 ? 0 : 1;
        },
        { printAfter: false },
      );
    case 'print cancel':
      return withDoor(ctx, false, async (map) => {
        const job = (await map.invoke('print-cancel', { job: wholeNumber(required(options, 'job'), 'Job') }, await sessionFrom(ctx, map, options))) as { id: number; state: string };
        out([`Job #${job.id} cancelled`], job);
        return 0;
      });
    case 'print reprint':
      return withDoor(ctx, false, async (map) => {
        const kind = optional(options, 'kind');
        const terminal = optional(options, 'terminal');
        const r = (await map.invoke('print-reprint', { txnId: required(options, 'txn'), ...(kind !== undefined ? { kind: kind as TransactionKind } : {}), ...(terminal !== undefined ? { terminal } : {}) })) as { job: number; txnId: string };
        out([`Reprint of ${r.txnId} queued as job #${r.job}`], r);
        return 0;
      });
    case 'print preview':
      return withDoor(ctx, false, async (map) => {
        const kind = (optional(options, 'kind') ?? 'checkout') as TransactionKind;
        const terminal = optional(options, 'terminal');
        // The receipt printer's language (the first enabled printer's, as printing picks it), else --lang.
        const { printers } = (await map.invoke('printer-list', {})) as { printers: PrinterConfig[] };
        const lang = optional(options, 'slip-lang') ?? printers.find((p) => p.enabled)?.language ?? ctx.lang;
        if (lang !== 'en' && lang !== 'ko') throw new UsageError('--slip-lang is en or ko');
        const preview = (await map.invoke('print-preview', { txnId: required(options, 'txn'), kind, lang, ...(terminal !== undefined ? { terminal } : {}) })) as { txnId: string; svg: string };
        const file = resolve(ctx.io.cwd, required(options, 'out'));
        writeNewFile(file, preview.svg, ctx.db);
        out([`Preview of ${preview.txnId} written to ${required(options, 'out')}`], { file, txnId: preview.txnId });
        return 0;
      });
    case 'terminal key install':
      return withService(ctx, false, (service, _f, printing) => {
        const r = installTerminalKey(service.ledger, printing!.secrets, resolve(ctx.io.cwd, required(options, 'key')), resolve(ctx.io.cwd, required(options, 'certificate')), Date.now());
        out(
          [
            `Installed terminal key ${r.keyId} for store ${r.storeId}, terminal ${r.terminalId}, certified by ${r.issuerKeyId} until ${isoInstant(r.expiresAt)}: slips now carry a member QR code (it identifies; it never spends)`,
            `The secret is kept in ${printing!.secrets.location} (not in the ledger or its backups); the key file you gave can be deleted`,
          ],
          r,
        );
        return 0;
      });
    case 'keys certify': {
      // Head office's job (the server's later): the program key vouches for one terminal's key, for one store and terminal, until a date.
      const issuer = readSigningKey(resolve(ctx.io.cwd, required(options, 'signing-key')));
      const terminal = readSigningKey(resolve(ctx.io.cwd, required(options, 'terminal-key')));
      const days = wholeNumber(required(options, 'valid-days'), 'Valid days');
      if (days < 1 || days > MAX_CERTIFICATE_DAYS) throw new TallyError('invalid-input', `--valid-days is 1 to ${MAX_CERTIFICATE_DAYS}: a terminal certificate is renewed at least yearly`);
      const storeId = required(options, 'store');
      const terminalId = required(options, 'terminal');
      for (const [what, id] of [['store', storeId], ['terminal', terminalId]] as const) {
        if (!/^[A-Za-z0-9._-]{1,32}$/.test(id)) throw new TallyError('invalid-input', `--${what} must be 1-32 letters, digits, dots, dashes or underscores`);
      }
      // From the real clock: a certificate must never outlive the time it was really given for.
      const expiresAt = Date.now() + days * 86_400_000;
      const certificate = certifyTerminalKey(issuer, { terminalKeyId: terminal.id, storeId, terminalId, terminalPublicKey: publicKeyOf(terminal.secretKey), expiresAt });
      const file = resolve(ctx.io.cwd, required(options, 'out'));
      writeNewFile(file, `${JSON.stringify(certificate, null, 2)}\n`, ctx.db);
      out([`Certified terminal key ${terminal.id} for store ${storeId}, terminal ${terminalId}, with ${issuer.id} until ${isoInstant(certificate.expiresAt)}: ${required(options, 'out')}`], certificate);
      return 0;
    }
    case 'keys generate': {
      const id = required(options, 'id');
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new TallyError('invalid-input', '--id is 1-32 letters, digits, - or _');
      const key = generateKeyFile(id);
      const file = resolve(ctx.io.cwd, required(options, 'out'));
      refuseLedgerFiles(file, ctx.db);
      writeKeyFile(file, key);
      out(
        [
          `Wrote signing key ${id} to ${required(options, 'out')} (keep it secret: mode 0600).`,
          `As a member QR key, add its public half to the program's cardCodes.verifyKeys:`,
          `  { "id": "${id}", "publicKey": "${key.publicKey}" }`,
          `As a program key, give it to terminals: tally init … --program-key ${id}:${key.publicKey}`,
        ],
        { id, publicKey: key.publicKey, file },
      );
      return 0;
    }
    case 'qr issue':
      // Head office's job (the server's later): a member's everyday code, or with --spend a short-lived spend code for their app.
      return withService(ctx, true, async (service) => {
        const key = readSigningKey(resolve(ctx.io.cwd, required(options, 'signing-key')));
        const program = service.ledger.program;
        const spend = options.spend === true;
        const days = optional(options, 'valid-days');
        if (spend && days !== undefined) throw new UsageError(`a spend code is valid for the program's memberQr.spendCodeMinutes (${program.memberQr.spendCodeMinutes}); --valid-days is for everyday codes`);
        const validDays = days === undefined ? program.memberQr.maxValidDays : wholeNumber(days, 'Valid days');
        if (validDays < 1 || validDays > program.memberQr.maxValidDays) throw new TallyError('invalid-input', `--valid-days is 1 to ${program.memberQr.maxValidDays} (the program's memberQr.maxValidDays)`);
        // The member through the door; only their QR reference, which no method gives a screen, is read here.
        const summary = (await cliHandlers(ctx, service).invoke('member-lookup', { card: required(options, 'card') })) as MemberSummary;
        const memberRef = service.ledger.member(summary.memberId)?.qrRef ?? null;
        if (memberRef === null) throw new TallyError('member-erased', 'This member was erased: no QR code can name them');
        // Expiry from the real clock, never --now: a code must not outlive the time it was really issued for.
        const expiresAt = Date.now() + (spend ? program.memberQr.spendCodeMinutes * 60_000 : validDays * 86_400_000);
        const token = issueMemberToken(key, { scope: spend ? 'spend' : 'identify', memberRef, tokenId: newTokenId(new Uint8Array(randomBytes(8))), expiresAt });
        const check = service.parseCard(token);
        if (!check.ok) throw new TallyError('invalid-input', `This terminal would refuse that code (${check.message}): is key ${key.id} in the program's cardCodes.verifyKeys?`);
        out([token], { memberId: summary.memberId, keyId: key.id, scope: spend ? 'spend' : 'identify', expiresAt, token });
        return 0;
      });
    case 'restore': {
      const from = resolve(ctx.io.cwd, required(options, 'from'));
      if (existsSync(ctx.db)) throw new TallyError('invalid-input', `${ctx.db} exists; restore into a new path (move the damaged file away first)`);
      restoreLedger(from, ctx.db, Date.now(), () => mkdirSync(dirname(ctx.db), { recursive: true, mode: 0o700 }));
      // Opening it once brings an older copy (a migration's .bak) up to this version of Tally.
      const ledger = Ledger.open(ctx.db);
      const { epoch } = ledger.sequence();
      ledger.close();
      out(
        [
          `Restored ${from} to ${ctx.db}; this terminal continues in sequence epoch ${epoch}`,
          `Its signing key is not in a backup: install one for it (tally terminal key install) for slips to carry a member QR code`,
        ],
        { db: ctx.db, from, epoch },
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}
