/**
 * `tally-server`: runs the central server and administers it, with the conventions of the
 * terminal's `tally` CLI: exit 0 on success; on a refusal a one-line reason on stderr (and
 * `{"error":…}` on stdout with --json), exit 1, and nothing written; exit 2 for wrong usage; exit 3
 * for a fault of the server itself. No secret is ever printed except the one a command exists to
 * show once (`terminal code`); none is ever logged.
 */
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isTallyError, TallyError } from '../../core/errors.js';
import { parseProgramFile } from '../../core/program/parse.js';
import { isTimeZone, isoInstant } from '../../core/time.js';
import { printable } from '../../core/text.js';
import { enrolmentCodeHash, newEnrolmentCode } from '../credentials.js';
import { buildServer, type ServerLog } from '../http/app.js';
import { ensureServerKeys, loadServerKeys, publicHalf, type ServerKeys } from '../keys.js';
import { prepareProgram, publicationProblem, refuseListedKeys } from '../program.js';
import type { ServerStore, TerminalRecord } from '../store/store.js';
import { ensureDataFolder, readInputFile } from './files.js';
import { commandHelp, HELP } from './help.js';
import { describeTarget, openServerStore, storeTarget, type StoreTarget } from './open-store.js';

export interface ServerCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The data folder when neither --data nor TALLY_SERVER_DATA is given. */
  readonly defaultDataDir: string;
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves with the signal's name when the process is asked to stop (`serve` waits for it). */
  readonly waitForStop?: () => Promise<string>;
  /** The clock (tests); default the real one. */
  readonly clock?: () => number;
}

export class UsageError extends Error {}

type Options = Record<string, string | boolean | string[] | undefined>;

const GLOBAL: NonNullable<ParseArgsConfig['options']> = {
  data: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMANDS: Record<string, NonNullable<ParseArgsConfig['options']>> = {
  serve: { host: { type: 'string' }, port: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'log-level': { type: 'string' } },
  init: { program: { type: 'string' } },
  'program publish': { program: { type: 'string' } },
  'store create': { id: { type: 'string' }, name: { type: 'string' }, 'time-zone': { type: 'string' } },
  'store list': {},
  'store budget': { id: { type: 'string' }, points: { type: 'string' }, 'program-default': { type: 'boolean' } },
  'terminal code': { store: { type: 'string' }, terminal: { type: 'string' }, 'valid-hours': { type: 'string' } },
  'terminal list': { store: { type: 'string' } },
  'terminal revoke': { store: { type: 'string' }, terminal: { type: 'string' } },
  'member show': { card: { type: 'string' }, member: { type: 'string' } },
  alerts: { limit: { type: 'string' } },
  risk: {},
  verify: {},
};

const GROUPS = new Set(['program', 'store', 'terminal', 'member']);
const GLOBAL_WITH_VALUE = new Set(['--data']);
const PLACE_ID = /^[A-Za-z0-9._-]{1,32}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DEFAULT_CODE_HOURS = 24;
/** A code is for enrolling a terminal being set up now, not a standing invitation. */
const MAX_CODE_HOURS = 24 * 30;

function required(options: Options, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

function optional(options: Options, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

function placeId(options: Options, name: 'store' | 'terminal' | 'id'): string {
  const value = required(options, name);
  if (!PLACE_ID.test(value)) throw new TallyError('invalid-input', `--${name} must be 1-32 letters, digits, dots, dashes or underscores`);
  return value;
}

function wholeNumber(text: string, what: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got "${text.slice(0, 20)}"`);
  return Number(text);
}

/** The command words: leading non-option tokens, skipping global options and their values. */
function commandWords(argv: readonly string[]): string[] {
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
  return words;
}

function splitCommand(words: readonly string[]): string {
  const [first, second] = words;
  // No command: run the server (what a service manager starts).
  if (first === undefined) return 'serve';
  const two = `${first} ${second ?? ''}`.trim();
  if (COMMANDS[two]) return two;
  if (COMMANDS[first] && !GROUPS.has(first)) {
    if (second !== undefined) throw new UsageError(`unexpected argument "${second.slice(0, 40)}"`);
    return first;
  }
  throw new UsageError(`unknown command "${words.join(' ').slice(0, 60)}"`);
}

interface Context {
  readonly json: boolean;
  readonly dataDir: string;
  readonly target: StoreTarget;
  readonly clock: () => number;
  readonly io: ServerCliIo;
  readonly out: (human: readonly string[], data: unknown) => void;
}

/** A machine fault (a port in use, an unreachable PostgreSQL, a full disk) as the refusal it is. */
function environmentRefusal(error: unknown, ctx: { target?: StoreTarget }): TallyError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  const where = ctx.target ? describeTarget(ctx.target) : 'the store';
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return new TallyError('io-error', `Cannot reach ${where} (${code}): is PostgreSQL running, and DATABASE_URL right?`, { retryable: true });
    case '28P01':
    case '28000':
      return new TallyError('io-error', `${where} refused the login (${code}): check the user and password in DATABASE_URL`);
    case '3D000':
      return new TallyError('io-error', `${where}: no such database (${code})`);
    case 'ENOSPC':
    case 'SQLITE_FULL':
      return new TallyError('disk-full', `The disk holding ${where} is full: nothing was written`);
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new TallyError('read-only', `${where} cannot be written (${code}): nothing was written`);
    default:
      if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
        return new TallyError('busy', `${where} is busy (another process is writing to it): nothing was written; try again in a moment`, { retryable: true });
      }
      return undefined;
  }
}

export async function runServerCli(argv: readonly string[], io: ServerCliIo): Promise<number> {
  const json = argv.includes('--json');
  const stderr = (text: string): void => io.stderr(printable(text));
  const where: { target?: StoreTarget } = {};
  try {
    const words = commandWords(argv);
    const help = argv.includes('--help') || argv.includes('-h');
    if (help && words.length === 0) {
      io.stdout(HELP);
      return 0;
    }
    const name = splitCommand(words);
    if (help) {
      io.stdout(commandHelp(name));
      return 0;
    }
    const config = { ...GLOBAL, ...COMMANDS[name] };
    const parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
    const wordCount = words.length === 0 ? 0 : name.split(' ').length;
    if (parsed.positionals.length !== wordCount) throw new UsageError(`unexpected argument "${parsed.positionals.slice(wordCount).join(' ').slice(0, 40)}"`);
    const options = parsed.values as Options;
    const env = io.env ?? {};
    const dataOption = optional(options, 'data') ?? (env['TALLY_SERVER_DATA']?.trim() || undefined) ?? io.defaultDataDir;
    const dataDir = resolve(io.cwd, dataOption);
    const target = storeTarget(dataDir, env);
    where.target = target;
    const out = (human: readonly string[], data: unknown): void => io.stdout(json ? JSON.stringify(data, null, 2) : human.map(printable).join('\n'));
    return await run(name, options, { json, dataDir, target, clock: io.clock ?? Date.now, io, out });
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS'))) {
      const message = error.message.split('\n').join(' ');
      if (json) io.stdout(JSON.stringify({ error: { code: 'usage', message } }, null, 2));
      stderr(`tally-server: ${message}. See: tally-server --help`);
      return 2;
    }
    const refusal = isTallyError(error) ? error : environmentRefusal(error, where);
    if (refusal) {
      if (json) io.stdout(JSON.stringify({ error: { code: refusal.code, message: refusal.message } }, null, 2));
      stderr(`tally-server: ${refusal.message.split('\n').join(' ')}`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (json) io.stdout(JSON.stringify({ error: { code: 'internal', message } }, null, 2));
    stderr(`tally-server: unexpected error (please report it): ${message}`);
    if (error instanceof Error && error.stack) io.stderr(printable(error.stack).replace(/\\u\{a\}/g, '\n'));
    return 3;
  }
}

async function withStore<T>(ctx: Context, fn: (store: ServerStore) => Promise<T>): Promise<T> {
  const store = await openServerStore(ctx.target, ctx.dataDir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function publish(ctx: Context, programPath: string, first: boolean): Promise<number> {
  const text = readInputFile(programPath, 'program file');
  // Everything that can refuse is checked before anything (keys included) is made.
  const { program: given } = parseProgramFile(text, programPath);
  const existing = loadServerKeys(ctx.dataDir);
  if (!first && !existing) throw new TallyError('not-initialised', `This server has no keys in ${ctx.dataDir} yet: run tally-server init --program FILE first`);
  refuseListedKeys(given, existing, programPath);
  return withStore(ctx, async (store) => {
    const problem = publicationProblem(given, await store.currentProgram(), first);
    if (problem) throw new TallyError('invalid-program', problem);
    const now = ctx.clock();
    const made = existing ? { keys: existing, created: [] } : ensureServerKeys(ctx.dataDir, now);
    for (const role of made.created) {
      const key = role === 'member-qr' ? made.keys.memberQr : made.keys.program;
      ctx.io.stderr(`tally-server: made the ${role === 'member-qr' ? 'member-QR signing' : 'program'} key ${key.id} in ${ctx.dataDir}/keys (keep a backup of that folder; it never leaves this machine)`);
    }
    const prepared = prepareProgram(text, programPath, made.keys);
    await store.publishProgram({ id: prepared.program.id, version: prepared.program.version, text: prepared.text, publishedAt: now });
    const qr = publicHalf(made.keys.memberQr);
    const programKey = publicHalf(made.keys.program);
    ctx.out(
      [
        `Published program ${prepared.program.id} version ${prepared.program.version}, signed with program key ${programKey.id}`,
        `Program key (terminals pin it): ${programKey.id}:${programKey.publicKey}`,
        `Member QR key: ${qr.id}:${qr.publicKey}`,
      ],
      { programId: prepared.program.id, version: prepared.program.version, publishedAt: isoInstant(now), programKey, memberQrKey: qr, keysCreated: made.created },
    );
    return 0;
  });
}

function terminalLine(t: TerminalRecord): string {
  const since = t.status === 'revoked' && t.revokedAt !== null ? `revoked ${isoInstant(t.revokedAt)}` : `enrolled ${isoInstant(t.enrolledAt)}`;
  const certificate = t.certificate ? `, key ${t.certificate.terminalKeyId} certified until ${isoInstant(t.certificate.expiresAt)}` : '';
  return `${t.storeId}/${t.terminalId}  ${t.status}  ${since}${certificate}`;
}

function terminalJson(t: TerminalRecord): Record<string, unknown> {
  return {
    storeId: t.storeId,
    terminalId: t.terminalId,
    status: t.status,
    enrolledAt: isoInstant(t.enrolledAt),
    revokedAt: t.revokedAt === null ? null : isoInstant(t.revokedAt),
    keyId: t.keyId,
    certificateExpiresAt: t.certificate ? isoInstant(t.certificate.expiresAt) : null,
  };
}

async function run(name: string, options: Options, ctx: Context): Promise<number> {
  const { out } = ctx;
  switch (name) {
    case 'serve':
      return serve(options, ctx);
    case 'init':
      return publish(ctx, required(options, 'program'), true);
    case 'program publish':
      return publish(ctx, required(options, 'program'), false);
    case 'store create': {
      const id = placeId(options, 'id');
      const storeName = required(options, 'name');
      if (storeName.length > 200) throw new TallyError('invalid-input', '--name is at most 200 characters');
      return withStore(ctx, async (store) => {
        const zone = optional(options, 'time-zone') ?? (await programTimeZone(store));
        if (zone === undefined) throw new UsageError('--time-zone is required (no program with a time zone is published yet)');
        if (!isTimeZone(zone)) throw new TallyError('invalid-input', `Unknown time zone "${zone.slice(0, 64)}" (use an IANA name such as Asia/Seoul)`);
        const now = ctx.clock();
        await store.createStore({ id, name: storeName, timeZone: zone, createdAt: now });
        out([`Store ${id} (${storeName}, ${zone}) created`], { id, name: storeName, timeZone: zone, createdAt: isoInstant(now) });
        return 0;
      });
    }
    case 'store list':
      return withStore(ctx, async (store) => {
        const stores = await store.listStores();
        out(stores.length === 0 ? ['No stores yet (tally-server store create)'] : stores.map((s) => `${s.id}  ${s.name}  ${s.timeZone}`), stores.map((s) => ({ ...s, createdAt: isoInstant(s.createdAt) })));
        return 0;
      });
    case 'terminal code': {
      const storeId = placeId(options, 'store');
      const terminalId = placeId(options, 'terminal');
      const hoursText = optional(options, 'valid-hours');
      const hours = hoursText === undefined ? DEFAULT_CODE_HOURS : wholeNumber(hoursText, '--valid-hours', 1, MAX_CODE_HOURS);
      return withStore(ctx, async (store) => {
        if (!(await store.getStore(storeId))) throw new TallyError('invalid-input', `No store ${storeId} on this server (tally-server store create --id ${storeId} --name NAME)`);
        const code = newEnrolmentCode();
        const expiresAt = ctx.clock() + hours * 3_600_000;
        await store.createEnrolmentCode(enrolmentCodeHash(code), { storeId, terminalId, expiresAt, usedAt: null });
        out(
          [
            `Enrolment code for terminal ${storeId}/${terminalId}: ${code}`,
            `It works once, until ${isoInstant(expiresAt)}. It is shown only now (the server keeps only its hash).`,
          ],
          { storeId, terminalId, code, expiresAt: isoInstant(expiresAt) },
        );
        return 0;
      });
    }
    case 'terminal list': {
      const storeId = optional(options, 'store');
      return withStore(ctx, async (store) => {
        const terminals = await store.listTerminals(storeId);
        out(terminals.length === 0 ? ['No terminals enrolled yet (tally-server terminal code)'] : terminals.map(terminalLine), terminals.map(terminalJson));
        return 0;
      });
    }
    case 'terminal revoke': {
      const storeId = placeId(options, 'store');
      const terminalId = placeId(options, 'terminal');
      return withStore(ctx, async (store) => {
        const terminal = (await store.listTerminals(storeId)).find((t) => t.terminalId === terminalId);
        if (!terminal) throw new TallyError('invalid-input', `No terminal ${storeId}/${terminalId} is enrolled on this server`);
        const now = ctx.clock();
        const changed = await store.revokeTerminal(storeId, terminalId, now);
        const keyNote = terminal.certificate
          ? ` Member QR codes on its slips stay valid until its certificate expires (${isoInstant(terminal.certificate.expiresAt)}) unless its key ${terminal.certificate.terminalKeyId} is added to the program's revoked.terminalKeys (tally-server program publish).`
          : '';
        out([`${changed ? 'Revoked' : 'Already revoked:'} terminal ${storeId}/${terminalId}: its requests are refused from now on; its entries wait in its outbox until it is enrolled again.${keyNote}`], {
          storeId,
          terminalId,
          revoked: true,
          changed,
          terminalKeyId: terminal.certificate?.terminalKeyId ?? null,
        });
        return 0;
      });
    }
    case 'member show': {
      const card = optional(options, 'card');
      const memberId = optional(options, 'member');
      if ((card === undefined) === (memberId === undefined)) throw new UsageError('give either --card CODE or --member ID');
      return withStore(ctx, async (store) => {
        const id = memberId ?? (await store.memberIdForCard(card!));
        const member = id === undefined ? undefined : await store.member(id);
        if (!member) throw new TallyError('unknown-member', card !== undefined ? `No member with card ${card.slice(0, 64)} on this server` : `No member ${memberId!.slice(0, 128)} on this server`);
        out(
          [
            `Member ${member.id}${member.name ? ` — ${member.name}` : ''}${member.erasedAt !== null ? ` (personal data erased ${isoInstant(member.erasedAt)})` : ''} (version ${member.version})`,
            `Cards: ${member.cards.length > 0 ? member.cards.join(', ') : 'none'}`,
            `Balance: ${member.balance} points`,
          ],
          { ...member, erasedAt: member.erasedAt === null ? null : isoInstant(member.erasedAt) },
        );
        return 0;
      });
    }
    case 'alerts': {
      const limitText = optional(options, 'limit');
      const limit = limitText === undefined ? 50 : wholeNumber(limitText, '--limit', 1, 10_000);
      return withStore(ctx, async (store) => {
        const alerts = await store.alerts(limit);
        out(
          alerts.length === 0 ? ['No alerts'] : alerts.map((a) => `${isoInstant(a.createdAt)}  ${a.kind}  ${a.storeId}/${a.terminalId}  ${a.entity} ${a.entityId}`),
          alerts.map((a) => ({ ...a, createdAt: isoInstant(a.createdAt) })),
        );
        return 0;
      });
    }
    case 'store budget': {
      const id = required(options, 'id');
      const points = optional(options, 'points');
      const programDefault = options['program-default'] === true;
      if ((points === undefined) === !programDefault) throw new UsageError('give --points N (this store\'s offline budget per terminal and period) or --program-default');
      const value = points === undefined ? null : wholeNumber(points, '--points', 0, 1_000_000_000);
      return withStore(ctx, async (store) => {
        if (!(await store.setStoreOfflineBudget(id, value))) throw new TallyError('invalid-input', `No store ${id}: create it first (tally-server store create)`);
        out(
          [value === null ? `Store ${id}: offline budget as the program says (from each terminal's next budget period)` : `Store ${id}: offline budget ${value} points per terminal and period (from each terminal's next budget period)`],
          { storeId: id, offlineBudgetPoints: value },
        );
        return 0;
      });
    }
    case 'risk':
      return withStore(ctx, async (store) => {
        const rows = await store.riskReport(ctx.clock());
        out(
          [
            // "late holds": of what was spent offline, held spends whose push arrived after their hold lapsed.
            'store                 budgets granted   spent offline   late holds   members below zero   overdraft points',
            ...rows.map(
              (r) =>
                `${r.storeId.padEnd(20)}  ${String(r.grantedPoints).padStart(15)}   ${String(r.spentOffline).padStart(13)}   ${String(r.lateHeldSpends).padStart(10)}   ${String(r.overdrawnMembers).padStart(18)}   ${String(r.overdraftPoints).padStart(16)}`,
            ),
          ],
          rows,
        );
        return 0;
      });
    case 'verify':
      return withStore(ctx, async (store) => {
        const result = await store.verify();
        const overdrafts = result.overdrafts.length === 0 ? [] : ['Overdrafts (two counters spent the same points offline; tally-server risk shows them per store):', ...result.overdrafts.map((p) => `  ${p}`)];
        out([...(result.ok ? ['Ledger verified: every balance equals its journal, every unit balances'] : ['Ledger problems:', ...result.problems.map((p) => `  ${p}`)]), ...overdrafts], result);
        return result.ok ? 0 : 1;
      });
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

async function programTimeZone(store: ServerStore): Promise<string | undefined> {
  const current = await store.currentProgram();
  return current ? parseProgramFile(current.text, `${current.id} version ${current.version}`).program.timeZone : undefined;
}

/** Keys are read when first needed and kept once found: `serve` may start before `init` makes them. */
function keysFromFolder(dataDir: string): () => ServerKeys | undefined {
  let keys: ServerKeys | undefined;
  return () => (keys ??= loadServerKeys(dataDir));
}

function readTls(options: Options): { cert: string; key: string } | undefined {
  const certPath = optional(options, 'tls-cert');
  const keyPath = optional(options, 'tls-key');
  if ((certPath === undefined) !== (keyPath === undefined)) throw new UsageError('give both --tls-cert FILE and --tls-key FILE, or neither');
  if (certPath === undefined || keyPath === undefined) return undefined;
  return { cert: readInputFile(certPath, 'TLS certificate'), key: readInputFile(keyPath, 'TLS private key') };
}

async function serve(options: Options, ctx: Context): Promise<number> {
  const host = optional(options, 'host') ?? '127.0.0.1';
  const portText = optional(options, 'port');
  const port = portText === undefined ? 8787 : wholeNumber(portText, '--port', 0, 65_535);
  const level = optional(options, 'log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level is one of ${LOG_LEVELS.join(', ')}`);
  const tls = readTls(options);
  ensureDataFolder(ctx.dataDir);
  // Unusable key files are refused now, not at the first enrolment; missing ones are only noted.
  const keys = keysFromFolder(ctx.dataDir);
  if (!keys()) ctx.io.stderr(`tally-server: not initialised yet: terminals cannot enrol until tally-server init --program FILE has run (data folder ${ctx.dataDir})`);

  const store = await openServerStore(ctx.target, ctx.dataDir);
  const log: ServerLog = { level: level as ServerLog['level'], write: (line) => ctx.io.stderr(line.endsWith('\n') ? line.slice(0, -1) : line) };
  const app = buildServer({ store, keys, clock: ctx.clock, log, ...(tls ? { https: tls } : {}) });
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (error) {
    await app.close();
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new TallyError('invalid-input', `Port ${port} on ${host} is already in use (another server?): choose another with --port`);
    if (code === 'EACCES') throw new TallyError('invalid-input', `Not allowed to listen on ${host}:${port} (ports below 1024 need privileges): choose another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new TallyError('invalid-input', `${host} is not an address of this machine: choose another with --host`);
    throw error;
  }
  ctx.out([`Tally server listening on ${address} (store: ${describeTarget(ctx.target)})`], { listening: address, store: describeTarget(ctx.target), tls: tls !== undefined });
  const signal = await (ctx.io.waitForStop ?? waitForSignal)();
  // Stop taking requests, let those in flight finish, then close the store.
  await app.close();
  await store.close();
  ctx.io.stderr(`tally-server: stopped (${signal})`);
  return 0;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolvePromise) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolvePromise(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
