/**
 * A chain in miniature for the sync fault tests, all real processes on loopback: one `tally-server`
 * (embedded SQLite in a temp data folder, or PostgreSQL), the fault proxy in front of it, and
 * terminals enrolled through the proxy with `tally enrol` (each its own ledger folder), booking
 * with the real `tally` CLI. It keeps what each terminal booked, and `convergence` compares the
 * server's copy with every terminal's ledger after a clean sync.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { Ledger } from '../../src/terminal/ledger/ledger.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { stripNotices } from './ledger-fixture.js';
import { REPO, SERVER_BIN, serverEnv, startServer, tempDir, type ServerProcess } from './server-process.js';

export const TALLY = join(REPO, 'bin', 'tally.js');
export const STORE = 'STORE-12';
const SALES_PER_BULK_MEMBER = 10;

export interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** stderr without the CLI's notices. */
  readonly stderr: string;
}

/** A real counter: no clock override, no developer DATABASE_URL. */
function tallyEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['TALLY_ALLOW_CLOCK_OVERRIDE'];
  delete env['DATABASE_URL'];
  return env;
}

export function spawnTally(db: string, args: readonly string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [TALLY, '--db', db, ...args], { cwd, env: tallyEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finished(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr: stripNotices(stderr) }));
  });
}

export function tallyAsync(db: string, args: readonly string[], cwd: string): Promise<Run> {
  return finished(spawnTally(db, args, cwd));
}

/** An EAN-13 member card with the program's prefix 29 (check digit computed). */
export function cardNumber(n: number): string {
  const body = `29${String(n).padStart(10, '0')}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

export interface Sale {
  readonly txn: string;
  readonly card: string;
  readonly amount: number;
  returned: number;
}

export interface Terminal {
  readonly id: string;
  readonly db: string;
  readonly cards: string[];
  readonly sales: Sale[];
  /** Counter for ids unique to this terminal. */
  next: number;
}

export interface ServerRows {
  readonly transfers: readonly { readonly id: string; readonly terminalId: string; readonly epoch: number; readonly seq: number; readonly kind: string; readonly amount: number }[];
  readonly transactions: readonly string[];
  readonly events: readonly string[];
  readonly members: readonly string[];
  readonly sequences: readonly { readonly terminalId: string; readonly epoch: number; readonly lastSeq: number }[];
}

export interface WorldOptions {
  readonly label: string;
  readonly terminals: number;
  /** PostgreSQL: the database URL (a fresh database from tests/support/postgres.ts). */
  readonly databaseUrl?: string;
  /** Prefix for the server and its admin commands (inside a mount namespace: ['nsenter', '-t', PID, '-m', '--']); terminals run outside it. */
  readonly wrap?: readonly string[];
  /** Where the server's data folder is (default: inside the world's temp folder). */
  readonly data?: string;
}

export class SyncWorld {
  readonly dir: string;
  readonly data: string;
  readonly env: NodeJS.ProcessEnv;
  readonly terminals: Terminal[] = [];
  server!: ServerProcess;
  proxy!: FaultProxy;
  private readonly cleanupDir: () => void;
  private cardCounter = 0;

  private constructor(private readonly options: WorldOptions) {
    const temp = tempDir(`tally-${options.label}-`);
    this.dir = temp.dir;
    this.cleanupDir = temp.cleanup;
    this.data = options.data ?? join(this.dir, 'server-data');
    this.env = serverEnv(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {});
  }

  static async start(options: WorldOptions): Promise<SyncWorld> {
    const world = new SyncWorld(options);
    // Head office's program: the sporting-goods example without the published demo key (the server puts its own keys in).
    const program = JSON.parse(readFileSync(join(REPO, 'resources', 'programs', 'sporting-goods-usd.json'), 'utf8')) as { cardCodes: { verifyKeys: unknown[] } };
    program.cardCodes.verifyKeys = [];
    writeFileSync(join(world.dir, 'program.json'), JSON.stringify(program));
    world.admin('init', '--program', join(world.dir, 'program.json'));
    world.admin('store', 'create', '--id', STORE, '--name', 'Downtown', '--time-zone', 'America/New_York');
    await world.startServer('0');
    world.proxy = await startFaultProxy({ target: world.serverPort() });
    for (let i = 1; i <= options.terminals; i += 1) await world.enrol(`LANE-${i}`);
    return world;
  }

  serverPort(): number {
    return Number(new URL(this.server.url).port);
  }

  async startServer(port: string): Promise<void> {
    this.server = await startServer(['--data', this.data, '--port', port, '--log-level', 'warn'], this.env, 20_000, this.options.wrap);
  }

  /** `tally-server --json ARGS` (inside the server's mount namespace when it has one); throws unless it exits 0. */
  admin<T>(...args: string[]): T {
    const run = this.adminRun(['--json', ...args]);
    if (run.status !== 0) throw new Error(`tally-server ${args.join(' ')} exited ${run.status}: ${run.stderr}${run.stdout}`);
    return JSON.parse(run.stdout) as T;
  }

  adminRun(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    const wrap = this.options.wrap ?? [];
    const command = [...wrap, process.execPath, SERVER_BIN, '--data', this.data, ...args];
    const run = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', env: this.env, timeout: 60_000 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  async enrol(terminalId: string): Promise<Terminal> {
    const { code } = this.admin<{ code: string }>('terminal', 'code', '--store', STORE, '--terminal', terminalId);
    const folder = join(this.dir, terminalId);
    mkdirSync(folder, { recursive: true });
    const db = join(folder, 'ledger.sqlite');
    const run = await this.tally(db, ['enrol', '--server', this.proxy.url, '--code', code]);
    if (run.status !== 0) throw new Error(`tally enrol for ${terminalId} exited ${run.status}: ${run.stderr}`);
    const terminal: Terminal = { id: terminalId, db, cards: [], sales: [], next: 0 };
    this.terminals.push(terminal);
    return terminal;
  }

  tally(db: string, args: readonly string[]): Promise<Run> {
    return tallyAsync(db, args, this.dir);
  }

  newCard(): string {
    this.cardCounter += 1;
    return cardNumber(this.cardCounter);
  }

  /**
   * One counter command on a terminal, chosen by `random`: enrol a member (always first), a sale,
   * or a partial return of an earlier sale. It must succeed: the counter never needs the network.
   */
  async book(terminal: Terminal, random: () => number): Promise<string> {
    const roll = random();
    let args: string[];
    let after: () => void;
    const returnable = terminal.sales.filter((s) => s.returned * 2 < s.amount);
    if (terminal.cards.length === 0 || roll < 0.2) {
      const card = this.newCard();
      args = ['member', 'add', '--card', card, '--name', `Member ${card.slice(-5)}`];
      after = () => terminal.cards.push(card);
    } else if (roll < 0.8 || returnable.length === 0) {
      terminal.next += 1;
      const sale: Sale = { txn: `${terminal.id}-POS-${terminal.next}`, card: terminal.cards[Math.floor(random() * terminal.cards.length)]!, amount: 100 + Math.floor(random() * 50_000), returned: 0 };
      args = ['checkout', '--card', sale.card, '--amount', String(sale.amount), '--txn', sale.txn];
      after = () => terminal.sales.push(sale);
    } else {
      terminal.next += 1;
      const sale = returnable[Math.floor(random() * returnable.length)]!;
      const amount = 1 + Math.floor(random() * (sale.amount / 2 - sale.returned));
      args = ['return', '--txn', sale.txn, '--return-id', `${terminal.id}-RET-${terminal.next}`, '--amount', String(amount)];
      after = () => (sale.returned += amount);
    }
    const run = await this.tally(terminal.db, args);
    if (run.status !== 0) throw new Error(`tally ${args.join(' ')} on ${terminal.id} exited ${run.status}: ${run.stderr}`);
    after();
    return args[0]!;
  }

  /**
   * Many sales booked straight into a terminal's ledger file (the same service the CLI runs, in
   * one transaction so thousands take a second): a big outbox for the kill tests. The sales go to
   * `cards` (members the terminal has) or, without them, to new members enrolled here, ten sales
   * each (a member's history is read at every sale).
   */
  bulkSales(terminal: Terminal, count: number, cards?: readonly string[]): void {
    this.withService(terminal, (service) => {
      const buyers = cards ?? this.enrolIn(service, terminal, Math.ceil(count / SALES_PER_BULK_MEMBER));
      for (let i = 0; i < count; i += 1) {
        terminal.next += 1;
        const sale: Sale = { txn: `${terminal.id}-BULK-${terminal.next}`, card: buyers[i % buyers.length]!, amount: 1000 + (i % 7) * 333, returned: 0 };
        service.checkout({ card: sale.card, txnId: sale.txn, basket: service.amountBasket(sale.amount) });
        terminal.sales.push(sale);
      }
    });
  }

  /** New members enrolled straight into a terminal's ledger; their cards. */
  bulkMembers(terminal: Terminal, count: number): string[] {
    return this.withService(terminal, (service) => this.enrolIn(service, terminal, count));
  }

  private enrolIn(service: LoyaltyService, terminal: Terminal, count: number): string[] {
    return Array.from({ length: count }, () => {
      const card = this.newCard();
      service.enrol({ cards: [card], marketingConsent: false });
      terminal.cards.push(card);
      return card;
    });
  }

  private withService<T>(terminal: Terminal, fn: (service: LoyaltyService) => T): T {
    const ledger = Ledger.open(terminal.db);
    try {
      const service = new LoyaltyService(ledger, {});
      return ledger.transaction(() => fn(service));
    } finally {
      ledger.close();
    }
  }

  /** Outbox rows of a terminal not yet acknowledged by the server. */
  pending(terminal: Terminal): number {
    const sqlite = new Database(terminal.db, { readonly: true });
    try {
      return sqlite.prepare('SELECT count(*) FROM outbox WHERE acked_at IS NULL').pluck().get() as number;
    } finally {
      sqlite.close();
    }
  }

  /** What a terminal booked itself: its transfers, transactions, events and the members it enrolled. */
  booked(terminal: Terminal): { transfers: ServerRows['transfers']; transactions: string[]; events: string[]; members: string[] } {
    const sqlite = new Database(terminal.db, { readonly: true });
    try {
      const transfers = sqlite
        .prepare('SELECT id, terminal_id AS terminalId, epoch, seq, kind, amount FROM transfers WHERE terminal_id = ? ORDER BY epoch, seq')
        .all(terminal.id) as ServerRows['transfers'][number][];
      const transactions = sqlite.prepare('SELECT id FROM transactions WHERE terminal_id = ? ORDER BY id').pluck().all(terminal.id) as string[];
      const events = sqlite.prepare("SELECT entity_id FROM outbox WHERE entity = 'event' ORDER BY entity_id").pluck().all() as string[];
      const members = sqlite.prepare("SELECT DISTINCT entity_id FROM outbox WHERE entity = 'member' ORDER BY entity_id").pluck().all() as string[];
      return { transfers, transactions, events, members };
    } finally {
      sqlite.close();
    }
  }

  /** The server's copy, read straight from its database (read-only for SQLite). */
  async serverRows(): Promise<ServerRows> {
    const queries = {
      transfers: 'SELECT id, terminal_id AS "terminalId", epoch, seq, kind, amount FROM transfers ORDER BY terminal_id, epoch, seq',
      transactions: 'SELECT id FROM transactions ORDER BY id',
      events: 'SELECT id FROM events ORDER BY id',
      members: 'SELECT member_id AS id FROM members ORDER BY member_id',
      sequences: 'SELECT terminal_id AS "terminalId", epoch, last_seq AS "lastSeq" FROM terminal_sequences ORDER BY terminal_id, epoch',
    };
    const ids = (rows: { id: string }[]): string[] => rows.map((r) => r.id).sort();
    if (this.options.databaseUrl) {
      const client = new pg.Client({ connectionString: this.options.databaseUrl });
      await client.connect();
      try {
        const get = async <T>(sql: string): Promise<T[]> => (await client.query(sql)).rows as T[];
        const num = <T extends Record<string, unknown>>(rows: T[], keys: string[]): T[] => rows.map((r) => ({ ...r, ...Object.fromEntries(keys.map((k) => [k, Number(r[k])])) }));
        return {
          transfers: num(await get<ServerRows['transfers'][number]>(queries.transfers), ['epoch', 'seq', 'amount']),
          transactions: ids(await get(queries.transactions)),
          events: ids(await get(queries.events)),
          members: ids(await get(queries.members)),
          sequences: num(await get<ServerRows['sequences'][number]>(queries.sequences), ['epoch', 'lastSeq']),
        };
      } finally {
        await client.end();
      }
    }
    const rows = this.readServerSqlite(queries);
    return {
      transfers: rows['transfers'] as ServerRows['transfers'][number][],
      transactions: ids(rows['transactions'] as { id: string }[]),
      events: ids(rows['events'] as { id: string }[]),
      members: ids(rows['members'] as { id: string }[]),
      sequences: rows['sequences'] as ServerRows['sequences'][number][],
    };
  }

  /**
   * Runs read-only queries on the server's SQLite file. A server in another mount namespace has
   * its file where only that namespace sees it: the queries then run in a child process there.
   */
  private readServerSqlite(queries: Readonly<Record<string, string>>): Record<string, unknown[]> {
    const file = join(this.data, 'tally-server.sqlite');
    if (!this.options.wrap) {
      const sqlite = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return Object.fromEntries(Object.entries(queries).map(([name, sql]) => [name, sqlite.prepare(sql).all()]));
      } finally {
        sqlite.close();
      }
    }
    const script = `const Database = require(process.argv[1]);
      const db = new Database(process.argv[2], { readonly: true, fileMustExist: true });
      const queries = JSON.parse(process.argv[3]);
      process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(queries).map(([n, q]) => [n, db.prepare(q).all()]))));`;
    const command = [...this.options.wrap, process.execPath, '-e', script, join(REPO, 'node_modules', 'better-sqlite3'), file, JSON.stringify(queries)];
    const run = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 30_000 });
    if (run.status !== 0) throw new Error(`reading the server's SQLite file failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as Record<string, unknown[]>;
  }

  /**
   * Everything that must hold once every terminal has synced cleanly: the server verifies, no
   * alert, every outbox empty, the server holds exactly what the terminals booked (ids, kinds,
   * amounts, sequence numbers), and each terminal's sequence on the server is 1…n without a gap.
   * Returns the problems (empty: converged) and a few figures.
   */
  async convergence(): Promise<{ problems: string[]; transfers: number }> {
    const problems: string[] = [];
    const verify = this.admin<{ ok: boolean; problems: string[] }>('verify');
    if (!verify.ok) problems.push(`tally-server verify: ${verify.problems.join('; ')}`);
    const alerts = this.admin<unknown[]>('alerts');
    if (alerts.length > 0) problems.push(`tally-server alerts: ${JSON.stringify(alerts)}`);
    const server = await this.serverRows();
    const key = (t: ServerRows['transfers'][number]): string => `${t.id} ${t.terminalId} ${t.epoch}:${t.seq} ${t.kind} ${t.amount}`;
    let transfers = 0;
    const booked = { transactions: [] as string[], events: [] as string[], members: [] as string[] };
    for (const terminal of this.terminals) {
      const pending = this.pending(terminal);
      if (pending !== 0) problems.push(`${terminal.id}: ${pending} outbox rows not acknowledged`);
      const mine = this.booked(terminal);
      transfers += mine.transfers.length;
      booked.transactions.push(...mine.transactions);
      booked.events.push(...mine.events);
      booked.members.push(...mine.members);
      const onServer = server.transfers.filter((t) => t.terminalId === terminal.id).map(key).sort();
      const atTerminal = mine.transfers.map(key).sort();
      const missing = atTerminal.filter((k) => !onServer.includes(k));
      const extra = onServer.filter((k) => !atTerminal.includes(k));
      if (missing.length > 0 || extra.length > 0) problems.push(`${terminal.id}: transfers missing on the server ${JSON.stringify(missing.slice(0, 5))} (${missing.length}), extra ${JSON.stringify(extra.slice(0, 5))} (${extra.length})`);
      const epochs = new Map<number, number[]>();
      for (const t of server.transfers.filter((x) => x.terminalId === terminal.id)) epochs.set(t.epoch, [...(epochs.get(t.epoch) ?? []), t.seq]);
      for (const [epoch, seqs] of epochs) {
        const sorted = [...seqs].sort((a, b) => a - b);
        const contiguous = sorted.every((s, i) => s === i + 1);
        const last = server.sequences.find((s) => s.terminalId === terminal.id && s.epoch === epoch)?.lastSeq;
        if (!contiguous || last !== sorted.length) problems.push(`${terminal.id} epoch ${epoch}: server seqs not 1…${sorted.length} (lastSeq ${last}, first gap near ${sorted.find((s, i) => s !== i + 1)})`);
      }
    }
    const sameSet = (what: string, a: string[], b: readonly string[]): void => {
      const left = [...new Set(a)].sort();
      const right = [...new Set(b)].sort();
      if (JSON.stringify(left) !== JSON.stringify(right)) problems.push(`${what}: terminals ${left.length}, server ${right.length}`);
      if (b.length !== right.length) problems.push(`${what}: the server holds duplicates`);
    };
    sameSet('transactions', booked.transactions, server.transactions);
    sameSet('events', booked.events, server.events);
    sameSet('members', booked.members, server.members);
    if (server.transfers.length !== transfers) problems.push(`the server holds ${server.transfers.length} transfers, the terminals booked ${transfers}`);
    return { problems, transfers };
  }

  async close(): Promise<void> {
    await this.proxy?.close();
    await this.server?.stop();
    this.cleanupDir();
  }
}

/** What a failed `tally sync` must look like: exit 1, one plain line naming the problem, no stack trace. */
export function syncFailureProblem(run: Run): string | null {
  if (run.status === 0) return null;
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  if (run.status !== 1) return `exit ${run.status} (${run.signal ?? 'no signal'}): ${run.stderr}`;
  if (lines.length !== 1) return `${lines.length} lines on stderr: ${run.stderr}`;
  if (/unexpected error|^\s+at |\.(js|ts):\d+/.test(run.stderr)) return `a stack trace or an internal error: ${run.stderr}`;
  if (!/^tally: The server .*(nothing was lost|nothing more is sent)/.test(lines[0]!)) return `not a clear sync failure: ${lines[0]}`;
  return null;
}
