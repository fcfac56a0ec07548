/**
 * The terminal's ledger on SQLite: books the plans the rules make (transfers, lots, events) with
 * their outbox rows in the caller's transaction, keeps the gap-free sequence per (terminal, epoch),
 * and loads what the rules need about a member. It makes no decisions: the rules do.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import type { VerifyKey } from '../../core/card-code/member-qr.js';
import { TallyError } from '../../core/errors.js';
import type { OfflineGrant } from '../../core/rules/spending.js';
import { accountKind, accountUnit, memberAccount, memberSpendAccount, periodKeyText, transactionKeyText, type PlannedEvent, type PlannedTransfer } from '../../core/ledger-model.js';
import { parseProgramFile, parseProgramText } from '../../core/program/parse.js';
import type { Program } from '../../core/program/schema.js';
import type { ProgramDocument } from '../../core/program/signature.js';
import { nextTrustedKeys, programTrustProblem } from '../../core/program/trust.js';
import type { MemberState, MembershipPeriod } from '../../core/rules/member-state.js';
import { bookedKey } from '../../core/rules/member-state.js';
import { localIso, type Instant } from '../../core/time.js';
import { programAccounts } from './accounts.js';
import { openDatabase, type OpenDatabaseOptions } from './database.js';
import { recordClose, recordOpen, type OpenCheckRun } from './open-check.js';
import { nextEpoch, writeLedgerCopy } from './files.js';
import { isSqliteError, type SqliteDatabase, type SqliteStatement } from './sqlite.js';

export interface TerminalConfig {
  readonly storeId: string;
  readonly terminalId: string;
  readonly timeZone: string;
  readonly programId: string;
  readonly programVersion: number;
  /** A demo terminal trusts keys whose secrets are public; it says so on screen and on every slip. */
  readonly demo: boolean;
  /** The program keys whose signature a program needs to be installed here. */
  readonly programKeys: readonly VerifyKey[];
}

/** A program file as read: the validated program, what its signature covers, and where it came from. */
export interface ProgramFile {
  readonly program: Program;
  readonly document: ProgramDocument;
  readonly source: string;
}

export function readProgramFile(text: string, source: string): ProgramFile {
  return { ...parseProgramFile(text, source), source };
}

export interface MemberRecord {
  readonly id: string;
  readonly name: string | null;
  readonly phone: string | null;
  readonly email: string | null;
  /** YYYY-MM-DD, or --MM-DD when the year is not known. */
  readonly birthday: string | null;
  readonly marketingConsent: boolean;
  readonly enrolledAt: Instant;
  readonly enrolledBy: string;
  readonly version: number;
  readonly cards: readonly string[];
  /** The opaque reference member QR codes carry; null once erased. */
  readonly qrRef: string | null;
  readonly hasPin: boolean;
  readonly erasedAt: Instant | null;
}

export type TransactionKind = 'checkout' | 'return' | 'action' | 'donation' | 'membership' | 'enrolment' | 'adjustment';

export interface TransactionRow {
  readonly id: string;
  readonly kind: TransactionKind;
  readonly txnId: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly memberId: string;
  readonly originalId: string | null;
  readonly requestHash: string;
  readonly record: unknown;
  readonly result: unknown;
  readonly createdAt: Instant;
}

export interface NewTransaction {
  readonly id: string;
  readonly kind: TransactionKind;
  readonly txnId: string;
  readonly memberId: string;
  readonly originalId: string | null;
  readonly requestHash: string;
  readonly request: unknown;
  readonly record: unknown;
  readonly result: unknown;
  readonly cashier: string | null;
}

export interface BookedTransfer {
  readonly id: string;
  readonly kind: string;
  readonly unit: string;
  readonly amount: number;
  readonly seq: number;
}

export interface HistoryEntry {
  readonly id: string;
  readonly kind: string;
  readonly unit: 'points' | 'money';
  /** Signed from the member's point of view: + credited, − debited. */
  readonly points: number;
  readonly money: number | null;
  readonly currency: string;
  readonly bookedAt: Instant;
  readonly localTime: string;
  readonly posTxnId: string | null;
  readonly period: string | null;
  readonly detail: Record<string, unknown>;
  readonly terminalId: string;
  readonly seq: number;
}

interface MemberRow {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  birthday: string | null;
  marketing_consent: number;
  enrolled_at: number;
  enrolled_by: string;
  version: number;
  qr_ref: string | null;
  has_pin: number;
  erased_at: number | null;
}

interface TransactionDbRow {
  id: string;
  kind: TransactionKind;
  txn_id: string;
  store_id: string;
  terminal_id: string;
  member_id: string;
  original_id: string | null;
  request_hash: string;
  record: string;
  result: string;
  created_at: number;
}

function toTransaction(row: TransactionDbRow): TransactionRow {
  return {
    id: row.id,
    kind: row.kind,
    txnId: row.txn_id,
    storeId: row.store_id,
    terminalId: row.terminal_id,
    memberId: row.member_id,
    originalId: row.original_id,
    requestHash: row.request_hash,
    record: JSON.parse(row.record) as unknown,
    result: JSON.parse(row.result) as unknown,
    createdAt: row.created_at,
  };
}

export interface InitOptions {
  readonly storeId: string;
  readonly terminalId: string;
  readonly timeZone: string;
  readonly programText: string;
  readonly programSource: string;
  readonly now: Instant;
  /** A demo terminal: trusts demo keys and unsigned programs, and says so everywhere. */
  readonly demo?: boolean;
  /** The program keys to trust (head office's, given out of band): the program must be signed by one. */
  readonly programKeys?: readonly VerifyKey[];
}

function untrusted(problem: string | null): void {
  if (problem !== null) throw new TallyError('untrusted-program', `${problem}; nothing was installed`);
}

const verifyKeysJson = (keys: readonly VerifyKey[]): string => JSON.stringify(keys.map((k) => ({ id: k.id, publicKey: k.publicKey })));

/** A clean close's bookkeeping must not fail the close: if it cannot be written, the next open just runs a full check. */
function unregister(db: SqliteDatabase, writer: string): void {
  try {
    recordClose(db, writer);
  } catch {
    // e.g. the write lock stayed busy or the disk is full: the entry stays, which reads as an unclean shutdown.
  }
}

/**
 * SQLite's page cache during Ledger.bulkLoad, KiB (the terminal's peak memory must stay under 300 MB).
 * Measured at a million members: 40 MiB loaded no faster, and its 16 MiB more showed in the peak.
 */
const BULK_LOAD_CACHE_KIB = 24 * 1024;
/** The temporary database's page cache during it, KiB: a load stages rows there only to append and sort them (BootstrapLoader). */
const BULK_LOAD_TEMP_CACHE_KIB = 2 * 1024;
/**
 * The page size a bulk load gives a ledger that is still nearly empty, bytes (SQLite's default is
 * 4,096). A chain's ledger is gigabytes: with pages four times larger its B-trees have fewer levels
 * and splits, and reading and writing it takes a quarter of the system calls; measured at a million
 * members, about 2 s less CPU in the load's SQLite work (13 s instead of 15). The size then stays
 * the file's (the WAL and every later transaction use it).
 */
const BULK_LOAD_PAGE_SIZE = 16_384;
/** Only a ledger at most this large is rewritten to BULK_LOAD_PAGE_SIZE (VACUUM copies the whole file; a new terminal's is a few hundred KiB). */
const PAGE_SIZE_CHANGE_MAX_BYTES = 8 * 1024 * 1024;

export class Ledger {
  private readonly statements = new Map<string, SqliteStatement>();
  private config: TerminalConfig;
  private activeProgram: Program;
  private opened: OpenCheckRun | null = null;
  /** This open's entry among the file's open writers (null: nothing written yet, read-only, or closed). */
  private writer: string | null = null;

  /** One wrapper for every transaction: better-sqlite3 builds a new one per db.transaction() call. */
  private readonly run: ReturnType<SqliteDatabase['transaction']>;

  private constructor(readonly db: SqliteDatabase, readonly path: string) {
    this.run = db.transaction((fn: () => unknown) => fn());
    this.config = this.readConfig();
    this.activeProgram = this.readProgram(this.config.programId, this.config.programVersion);
  }

  /** Creates and initialises a new ledger file (refused, and no file made, for a program this terminal must not trust). */
  static init(path: string, options: InitOptions): Ledger {
    const file = readProgramFile(options.programText, options.programSource);
    const demo = options.demo === true;
    untrusted(programTrustProblem({ ...file, demo, trustedKeys: options.programKeys ?? [] }));
    const program = file.program;
    // Created readable by its owner only (SQLite gives the -wal and -shm files the same mode).
    if (!existsSync(path)) closeSync(openSync(path, 'wx', 0o600));
    const db = openDatabase(path, { mode: 'create' });
    try {
      const existing = db.prepare('SELECT count(*) FROM terminal').pluck().get() as number;
      if (existing > 0) throw new TallyError('already-initialised', `${path} is already initialised; it was left as it was`);
      db.transaction(() => {
        db.prepare(
          `INSERT INTO terminal (singleton, store_id, terminal_id, time_zone, program_id, program_version, epoch, next_seq, created_at, demo, program_keys)
           VALUES (1, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?)`,
        ).run(options.storeId, options.terminalId, options.timeZone, program.id, program.version, options.now, demo ? 1 : 0, verifyKeysJson(nextTrustedKeys(program, options.programKeys ?? [])));
        Ledger.insertProgram(db, file, options.now);
        Ledger.ensureProgramAccounts(db, program, options.storeId);
      }).immediate();
    } catch (error) {
      db.close();
      throw error;
    }
    return new Ledger(db, path);
  }

  private static insertProgram(db: SqliteDatabase, file: ProgramFile, now: Instant): void {
    db.prepare('INSERT INTO programs (id, version, body, installed_at, signature, signed_text) VALUES (?, ?, ?, ?, ?, ?)').run(
      file.program.id,
      file.program.version,
      JSON.stringify(file.program),
      now,
      file.document.signature ? JSON.stringify(file.document.signature) : null,
      file.document.signature ? file.document.signedText : null,
    );
  }

  /**
   * Opens an initialised ledger. `check` defaults to 'full' (what a long-running host does at
   * start); CLI commands pass 'auto' (open-check.ts). The open itself writes nothing (but for a
   * restored backup's new epoch); the first write registers it and records a full check it ran,
   * until `close()`. A read-only ledger records nothing.
   */
  static open(path: string, options: Omit<OpenDatabaseOptions, 'mode' | 'onCheck'> & { readonly?: boolean } = {}): Ledger {
    const opened: { run?: OpenCheckRun } = {};
    const db = openDatabase(path, { ...options, mode: options.readonly ? 'readonly' : 'existing', onCheck: (run) => (opened.run = run) });
    let ledger: Ledger | undefined;
    try {
      const hasTerminal = db.prepare('SELECT count(*) FROM terminal').pluck().get() as number;
      if (hasTerminal === 0) throw new TallyError('not-initialised', `${path} is not initialised. Create it with: tally init --db ${path} --program FILE --store ID --terminal ID`);
      ledger = new Ledger(db, path);
      ledger.opened = opened.run ?? null;
      // A backup put back in service by hand: sequence numbers after the backup may already be on the
      // server, and the same backup may come back twice, so a new epoch no restore has used.
      if (!options.readonly && db.prepare('SELECT restore_pending FROM terminal WHERE singleton = 1').pluck().get() === 1) {
        ledger.transaction(() => {
          const { epoch } = ledger!.sequence();
          db.prepare('UPDATE terminal SET epoch = ?, next_seq = 1, restore_pending = 0 WHERE restore_pending = 1').run(nextEpoch(epoch, Date.now()));
          // What this terminal booked after the backup is on the server only now: the next pull asks for it.
          db.prepare('UPDATE sync_state SET repull_own = 1').run();
        });
      }
      return ledger;
    } catch (error) {
      if (ledger) ledger.close();
      else db.close();
      throw error;
    }
  }


  private static ensureProgramAccounts(db: SqliteDatabase, program: Program, storeId: string): void {
    const insert = db.prepare('INSERT OR IGNORE INTO accounts (id, kind, unit) VALUES (?, ?, ?)');
    for (const id of programAccounts(program, storeId)) insert.run(id, accountKind(id), accountUnit(id));
  }

  close(): void {
    if (this.writer !== null && this.db.open) unregister(this.db, this.writer);
    this.writer = null;
    this.db.close();
  }

  /** What opening this ledger checked, and why (null for one `Ledger.init` made). */
  get openCheck(): OpenCheckRun | null {
    return this.opened;
  }

  /** When integrity_check and foreign_key_check last passed, as recorded (real clock), or null. */
  lastFullCheckAt(): Instant | null {
    return this.stmt('SELECT full_check_at FROM open_checks').pluck().get() as number | null;
  }

  get terminal(): TerminalConfig {
    return this.config;
  }

  get program(): Program {
    return this.activeProgram;
  }

  private stmt(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private readConfig(): TerminalConfig {
    const row = this.db.prepare('SELECT store_id, terminal_id, time_zone, program_id, program_version, demo, program_keys FROM terminal WHERE singleton = 1').get() as
      | { store_id: string; terminal_id: string; time_zone: string; program_id: string; program_version: number; demo: number; program_keys: string }
      | undefined;
    if (!row) throw new TallyError('not-initialised', `${this.path} is not initialised`);
    return {
      storeId: row.store_id,
      terminalId: row.terminal_id,
      timeZone: row.time_zone,
      programId: row.program_id,
      programVersion: row.program_version,
      demo: row.demo === 1,
      programKeys: JSON.parse(row.program_keys) as VerifyKey[],
    };
  }

  private readProgram(id: string, version: number): Program {
    const body = this.db.prepare('SELECT body FROM programs WHERE id = ? AND version = ?').pluck().get(id, version) as string | undefined;
    if (body === undefined) throw new TallyError('database-corrupt', `${this.path}: program ${id} v${version} is missing`);
    return parseProgramText(body, `${this.path} (program ${id} v${version})`);
  }

  /**
   * Installs a newer version of the running program (same id and currency); transfers keep the
   * version they were made with. Outside demo mode the file must be signed by a program key this
   * terminal trusts; `pinKeys` names the first trusted keys of a terminal that has none yet (one
   * made before programs were signed), and is refused once it has some.
   */
  installProgram(file: ProgramFile, now: Instant, options: { readonly pinKeys?: readonly VerifyKey[] } = {}): void {
    const { program } = file;
    const current = this.activeProgram;
    if (options.pinKeys && options.pinKeys.length > 0 && this.config.programKeys.length > 0) {
      throw new TallyError('untrusted-program', `This terminal already trusts program key ${this.config.programKeys.map((k) => k.id).join(', ')}; a new key comes only inside a program signed by it (programKeys)`);
    }
    const trustedKeys = this.config.programKeys.length > 0 ? this.config.programKeys : (options.pinKeys ?? []);
    untrusted(programTrustProblem({ ...file, demo: this.config.demo, trustedKeys }));
    if (program.id !== current.id) throw new TallyError('invalid-program', `This terminal runs program "${current.id}"; "${program.id}" is a different program`);
    if (program.version <= current.version) throw new TallyError('invalid-program', `Program version ${program.version} is not newer than the installed ${current.version}`);
    if (program.currency !== current.currency) throw new TallyError('invalid-program', `A program cannot change currency (${current.currency} → ${program.currency})`);
    this.transaction(() => {
      Ledger.insertProgram(this.db, file, now);
      this.db.prepare('UPDATE terminal SET program_version = ?, program_keys = ? WHERE singleton = 1').run(program.version, verifyKeysJson(nextTrustedKeys(program, trustedKeys)));
      Ledger.ensureProgramAccounts(this.db, program, this.config.storeId);
    });
    this.config = this.readConfig();
    this.activeProgram = program;
  }

  /** Set while bulkLoad's transaction is open (it spans awaits). */
  private bulkLoading = false;

  /**
   * One write transaction that spans awaits: a new terminal's first pull, loaded from a stream
   * (src/terminal/sync/bootstrap.ts). Committed only when `fn` resolves; rolled back when it throws,
   * and by SQLite itself when the process dies, so the ledger is never half-loaded. Foreign keys
   * are off for its duration (`fn` checks them itself before it returns: a check per table after
   * the load is cheaper than a look-up per row) and back on after, whatever happens. While it is
   * open, every other write on this connection is refused (it would join the open transaction).
   *
   * When this is the only connection to the file, the load runs with a rollback journal instead of
   * the WAL (see rollbackJournalForLoad), and the WAL is back before this returns.
   */
  async bulkLoad<T>(fn: () => Promise<T>): Promise<T> {
    if (this.bulkLoading || this.db.inTransaction) throw new Error('bulkLoad runs on its own, outside any other transaction');
    const journaled = this.rollbackJournalForLoad();
    if (journaled) this.largerPagesForLoad();
    this.db.pragma('foreign_keys = OFF');
    // A larger page cache while it lasts: a million members' keys arrive in no order of their own
    // (a transfer's id), and each insert into an index bigger than the cache reads and spills pages.
    const cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
    const tempCacheSize = this.db.pragma('temp.cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = -${BULK_LOAD_CACHE_KIB}`);
    this.db.pragma(`temp.cache_size = -${BULK_LOAD_TEMP_CACHE_KIB}`);
    this.bulkLoading = true;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const token = this.writer === null ? recordOpen(this.db, this.opened) : null;
        const result = await fn();
        this.db.exec('COMMIT');
        if (token !== null) this.writer = token;
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.bulkLoading = false;
      this.db.pragma('foreign_keys = ON');
      this.db.pragma(`cache_size = ${cacheSize}`);
      this.db.pragma(`temp.cache_size = ${tempCacheSize}`);
      if (journaled) this.backToWal();
    }
  }

  /**
   * A load of gigabytes in one transaction costs the WAL twice: every page the cache spills goes to
   * the WAL and is found again there through its index, the commit writes and syncs it all, and a
   * checkpoint later copies all of it into the file once more. A rollback journal saves each of
   * those: the ledger is empty, so the journal keeps only its few original pages, and the new pages
   * go straight into the file. The load stays atomic: a process that dies leaves a hot journal, and
   * the next open of the file rolls the load back (a read-only one too: openDatabase).
   *
   * The switch needs the file to itself: while another connection has it open, SQLite refuses it
   * (SQLITE_BUSY) and the load runs in the WAL, slower and just as safe. The price: once the load
   * holds the file exclusively (its cache spilled), another process cannot read it either and is
   * told the ledger is busy — where the WAL would have shown it the ledger as it was before the load,
   * which for a new terminal is empty anyway.
   */
  private rollbackJournalForLoad(): boolean {
    if (this.db.readonly) return false;
    try {
      return this.db.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
    } catch (error) {
      if (isSqliteError(error) && error.code.startsWith('SQLITE_BUSY')) return false;
      throw error;
    }
  }

  /**
   * Rewrites a nearly empty ledger with BULK_LOAD_PAGE_SIZE pages before a load fills it. Only
   * possible outside the WAL (SQLite fixes the page size of a WAL file), so only after
   * rollbackJournalForLoad; the VACUUM is a transaction of its own, so a process that dies during it
   * leaves the ledger as it was, with either page size, and as empty.
   */
  private largerPagesForLoad(): void {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    if (pageSize >= BULK_LOAD_PAGE_SIZE || pageSize * pages > PAGE_SIZE_CHANGE_MAX_BYTES) return;
    this.db.pragma(`page_size = ${BULK_LOAD_PAGE_SIZE}`);
    this.db.exec('VACUUM');
  }

  /** The WAL again after a load: needs no other process to hold a lock at this moment, so it waits the busy timeout for one that does. */
  private backToWal(): void {
    try {
      this.db.pragma('journal_mode = WAL');
    } catch (error) {
      // Still a rollback journal: every commit is as durable (synchronous=FULL), and the next open of
      // the file switches it back (openDatabase). Not the caller's concern: its load is committed or
      // rolled back already, and a failed load's own error is the one to report.
      if (!isSqliteError(error)) throw error;
    }
  }

  /** Runs `fn` in one IMMEDIATE transaction (the write lock is taken up front, so no deadlock on upgrade). */
  transaction<T>(fn: () => T): T {
    if (this.bulkLoading) throw new TallyError('busy', "This terminal is loading the chain's members from the server for the first time: try again when that sync has finished");
    if (this.writer !== null || this.db.readonly || this.db.inTransaction) return this.run.immediate(fn) as T;
    // The first write registers this open (open-check.ts) in its own commit: no fsync of its own,
    // and an open that never writes (a refused command) leaves the file's bytes as they were.
    const enlisted: { token?: string } = {};
    const result = this.run.immediate(() => {
      enlisted.token = recordOpen(this.db, this.opened);
      return fn();
    }) as T;
    this.writer = enlisted.token ?? null;
    return result;
  }

  /**
   * Copies the WAL back into the database file. Automatic checkpoints are off for the terminal's
   * connection, so that no checkout pays for one inside its commit; the host calls this when idle
   * (and closing the last connection does it too). PASSIVE never waits for readers or writers.
   */
  checkpoint(mode: 'passive' | 'truncate' = 'passive', options: { readonly waitMs?: number } = {}): { walPages: number; checkpointed: number; busy: boolean } {
    // TRUNCATE also empties the WAL file (after erasing personal data); it waits for readers (and
    // blocks writers meanwhile) up to the busy timeout, or `waitMs`: the host's idle checkpoint
    // gives up at once rather than hold its own requests while another process reads.
    const previous = options.waitMs === undefined ? undefined : (this.db.pragma('busy_timeout', { simple: true }) as number);
    if (options.waitMs !== undefined) this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.waitMs))}`);
    try {
      const row = this.db.pragma(`wal_checkpoint(${mode === 'truncate' ? 'TRUNCATE' : 'PASSIVE'})`) as { busy: number; log: number; checkpointed: number }[];
      return { walPages: row[0]?.log ?? 0, checkpointed: row[0]?.checkpointed ?? 0, busy: (row[0]?.busy ?? 0) !== 0 };
    } finally {
      if (previous !== undefined) this.db.pragma(`busy_timeout = ${previous}`);
    }
  }

  /** The current epoch and next sequence number, read from the file (another process may have booked since). */
  sequence(): { epoch: number; nextSeq: number } {
    const row = this.stmt('SELECT epoch, next_seq FROM terminal WHERE singleton = 1').get() as { epoch: number; next_seq: number };
    return { epoch: row.epoch, nextSeq: row.next_seq };
  }

  /** The latest time this terminal booked anything (a clock behind it is refused), or null for a new one. */
  /**
   * True for an enrolled terminal put back from a backup until a complete pull has brought back
   * what it booked after that backup: until then it cannot tell a sale re-keyed from the POS from a
   * new one (see LoyaltyService.writeTime).
   */
  awaitingOwnEntries(): boolean {
    return this.stmt('SELECT repull_own FROM sync_state WHERE singleton = 1').pluck().get() === 1;
  }

  lastBookedAt(): Instant | null {
    return this.stmt('SELECT last_booked_at FROM terminal WHERE singleton = 1').pluck().get() as number | null;
  }

  /** Records that something was booked at `now` (never moves back); call inside `transaction`. */
  markBooked(now: Instant): void {
    this.stmt('UPDATE terminal SET last_booked_at = max(coalesce(last_booked_at, 0), ?) WHERE singleton = 1').run(now);
  }

  memberIdForCard(code: string): string | undefined {
    return this.stmt('SELECT member_id FROM card_codes WHERE code = ?').pluck().get(code) as string | undefined;
  }

  /** The member a QR reference names (never an erased one: erasure removes the reference). */
  memberIdForQrRef(ref: string): string | undefined {
    return this.stmt('SELECT id FROM members WHERE qr_ref = ?').pluck().get(ref) as string | undefined;
  }

  member(id: string): MemberRecord | undefined {
    const row = this.stmt(
      'SELECT id, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, version, qr_ref, pin_hash IS NOT NULL AS has_pin, erased_at FROM members WHERE id = ?',
    ).get(id) as MemberRow | undefined;
    if (!row) return undefined;
    const cards = this.stmt('SELECT code FROM card_codes WHERE member_id = ? ORDER BY added_at, code').pluck().all(id) as string[];
    return {
      id: row.id,
      name: row.name,
      phone: row.phone,
      email: row.email,
      birthday: row.birthday,
      marketingConsent: row.marketing_consent === 1,
      enrolledAt: row.enrolled_at,
      enrolledBy: row.enrolled_by,
      version: row.version,
      cards,
      qrRef: row.qr_ref,
      hasPin: row.has_pin === 1,
      erasedAt: row.erased_at,
    };
  }

  /** A new member with their card codes and accounts, and its outbox row; call inside `transaction`. */
  insertMember(member: Omit<MemberRecord, 'version' | 'hasPin' | 'erasedAt'> & { readonly pinHash?: string | null }, now: Instant): void {
    this.stmt(
      `INSERT INTO members (id, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, version, updated_at, qr_ref, pin_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    ).run(member.id, member.name, member.phone, member.email, member.birthday, member.marketingConsent ? 1 : 0, member.enrolledAt, member.enrolledBy, now, member.qrRef, member.pinHash ?? null);
    for (const code of member.cards) {
      const owner = this.memberIdForCard(code);
      if (owner !== undefined) throw new TallyError('card-in-use', `Card ${code} already belongs to another member`);
      this.stmt('INSERT INTO card_codes (code, member_id, added_at) VALUES (?, ?, ?)').run(code, member.id, now);
    }
    const account = this.stmt('INSERT INTO accounts (id, kind, unit, member_id) VALUES (?, ?, ?, ?)');
    for (const id of [memberAccount(member.id), memberSpendAccount(member.id)]) account.run(id, accountKind(id), accountUnit(id), member.id);
    this.outbox('member', member.id, 1, now);
  }

  /**
   * Changes a member's details and adds cards; bumps the member's version and writes its outbox
   * row only when something changed. Call inside `transaction`.
   */
  updateMember(id: string, changes: Partial<Pick<MemberRecord, 'name' | 'phone' | 'email' | 'birthday' | 'marketingConsent'>>, addCards: readonly string[], now: Instant): MemberRecord {
    const current = this.member(id);
    if (!current) throw new TallyError('unknown-member', `Unknown member ${id}`);
    if (current.erasedAt !== null) throw new TallyError('member-erased', 'This member was erased; their details cannot be set again');
    this.refuseWithheld(id, 'their details and cards');
    const next = { ...current, ...changes };
    const newCards = [...new Set(addCards)].filter((code) => !current.cards.includes(code));
    const changed = newCards.length > 0 || (['name', 'phone', 'email', 'birthday', 'marketingConsent'] as const).some((k) => next[k] !== current[k]);
    if (!changed) return current;
    for (const code of newCards) {
      if (this.memberIdForCard(code) !== undefined) throw new TallyError('card-in-use', `Card ${code} already belongs to another member`);
      this.stmt('INSERT INTO card_codes (code, member_id, added_at) VALUES (?, ?, ?)').run(code, id, now);
    }
    const version = current.version + 1;
    this.stmt('UPDATE members SET name = ?, phone = ?, email = ?, birthday = ?, marketing_consent = ?, version = ?, updated_at = ? WHERE id = ?').run(
      next.name,
      next.phone,
      next.email,
      next.birthday,
      next.marketingConsent ? 1 : 0,
      version,
      now,
      id,
    );
    this.outbox('member', id, version, now);
    return this.member(id)!;
  }

  /**
   * A member enrolled at another store arrives here without phone and e-mail (src/contract/pull.ts):
   * a new version written here would wipe them on the server, so such changes are made at the
   * member's home store.
   */
  private refuseWithheld(memberId: string, what: string): void {
    if (this.stmt('SELECT contact_withheld FROM members WHERE id = ?').pluck().get(memberId) === 1) {
      throw new TallyError('invalid-input', `This member enrolled at another store: ${what} are changed there (this terminal does not hold all of their details)`);
    }
  }

  /** The member's PIN hash (see pin.ts), or null when they have none. */
  pinHash(memberId: string): { hash: string | null; failures: number } {
    const row = this.stmt('SELECT pin_hash, pin_failures FROM members WHERE id = ?').get(memberId) as { pin_hash: string | null; pin_failures: number } | undefined;
    if (!row) throw new TallyError('unknown-member', `Unknown member ${memberId}`);
    return { hash: row.pin_hash, failures: row.pin_failures };
  }

  /** Sets (or clears) a member's PIN; a new member version for sync. Call inside `transaction`. */
  setPinHash(memberId: string, hash: string | null, now: Instant): void {
    const current = this.member(memberId);
    if (!current) throw new TallyError('unknown-member', `Unknown member ${memberId}`);
    if (current.erasedAt !== null) throw new TallyError('member-erased', 'This member was erased');
    this.refuseWithheld(memberId, 'their PIN');
    const version = current.version + 1;
    this.stmt('UPDATE members SET pin_hash = ?, pin_failures = 0, version = ?, updated_at = ? WHERE id = ?').run(hash, version, now, memberId);
    this.outbox('member', memberId, version, now);
  }

  /** Counts a wrong PIN (its own small transaction: it must stick although the command was refused). */
  pinFailed(memberId: string): number {
    this.transaction(() => this.stmt('UPDATE members SET pin_failures = pin_failures + 1 WHERE id = ?').run(memberId));
    return this.pinHash(memberId).failures;
  }

  /** A right PIN starts the count again; call inside `transaction`. */
  pinSucceeded(memberId: string): void {
    this.stmt('UPDATE members SET pin_failures = 0 WHERE id = ? AND pin_failures <> 0').run(memberId);
  }

  /**
   * Erases a member's personal data: details, PIN, QR reference and cards go; the member id, every
   * transfer and balance stay (totals are untouched). The erasure itself is an event, for sync.
   * Call inside `transaction`.
   */
  eraseMember(memberId: string, event: PlannedEvent, now: Instant): MemberRecord {
    const current = this.member(memberId);
    if (!current) throw new TallyError('unknown-member', `Unknown member ${memberId}`);
    if (current.erasedAt !== null) return current;
    const version = current.version + 1;
    // The old row's bytes are zeroed, not left in free space (only for this: it costs every write a little).
    this.db.pragma('secure_delete = ON');
    this.stmt(
      `UPDATE members SET name = NULL, phone = NULL, email = NULL, birthday = NULL, marketing_consent = 0, pin_hash = NULL, pin_failures = 0,
         qr_ref = NULL, erased_at = ?, version = ?, updated_at = ? WHERE id = ?`,
    ).run(now, version, now, memberId);
    this.stmt('DELETE FROM card_codes WHERE member_id = ?').run(memberId);
    this.db.pragma('secure_delete = OFF');
    this.outbox('member', memberId, version, now);
    this.book({ transfers: [], events: [event] }, { now, cashier: null, transaction: null });
    return this.member(memberId)!;
  }

  spendCodeUsed(tokenId: string): boolean {
    return this.stmt('SELECT 1 FROM spend_codes WHERE token_id = ?').pluck().get(tokenId) !== undefined;
  }

  /** Marks a spend code used by this transaction; call inside the command's `transaction`. */
  useSpendCode(tokenId: string, memberId: string, transactionId: string, now: Instant): void {
    this.stmt('INSERT INTO spend_codes (token_id, member_id, transaction_id, used_at) VALUES (?, ?, ?, ?)').run(tokenId, memberId, transactionId, now);
  }

  /** The newest offline budget the server granted this terminal, with the server clock's offset then. */
  offlineGrant(): (OfflineGrant & { readonly serverOffsetMs: number }) | null {
    const row = this.stmt('SELECT * FROM offline_grants ORDER BY received_at DESC, rowid DESC LIMIT 1').get() as
      | { id: string; points: number; per_transaction: number; per_member: number; snapshot_max_age_ms: number; expires_at: number; server_offset_ms: number }
      | undefined;
    if (!row) return null;
    return { id: row.id, points: row.points, perTransaction: row.per_transaction, perMember: row.per_member, snapshotMaxAgeMs: row.snapshot_max_age_ms, expiresAt: row.expires_at, serverOffsetMs: row.server_offset_ms };
  }

  /** Keeps a grant from the server (the same grant again is a no-op). Call inside `transaction`. */
  saveOfflineGrant(grant: OfflineGrant & { readonly grantedAt: number }, serverOffsetMs: number, now: Instant): void {
    this.stmt(
      `INSERT INTO offline_grants (id, points, per_transaction, per_member, snapshot_max_age_ms, granted_at, expires_at, server_offset_ms, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ).run(grant.id, grant.points, grant.perTransaction, grant.perMember, grant.snapshotMaxAgeMs, grant.grantedAt, grant.expiresAt, serverOffsetMs, now);
  }

  /**
   * Points counted against a grant: by everyone at this terminal, and by one member. Offline spends,
   * and held spends that named it as their fallback unless the server posted their hold (while the
   * answer is outstanding a held spend may yet be counted there, so it takes room until then).
   */
  offlineSpent(grantId: string, memberId: string): { readonly total: number; readonly member: number } {
    const row = this.stmt(
      `SELECT coalesce(sum(points), 0) AS total, coalesce(sum(CASE WHEN member_id = ? THEN points END), 0) AS member FROM (
         SELECT member_id, points FROM offline_spends WHERE grant_id = ?
         UNION ALL SELECT member_id, points FROM held_spends WHERE grant_id = ? AND (settled IS NULL OR settled = 'counted'))`,
    ).get(memberId, grantId, grantId) as {
      total: number;
      member: number;
    };
    return row;
  }

  /** Books a held spend against its fallback grant; call inside the command's `transaction`. */
  recordHeldSpend(transactionId: string, holdId: string, grantId: string, memberId: string, points: number): void {
    this.stmt('INSERT INTO held_spends (transaction_id, hold_id, grant_id, member_id, points) VALUES (?, ?, ?, ?, ?)').run(transactionId, holdId, grantId, memberId, points);
  }

  /**
   * The server answered a push carrying these transactions: their held spends are settled, `counted`
   * (in `counted`: the hold had lapsed and the server counted the spend against its fallback grant)
   * or `posted`. Call inside the transaction that acknowledges their outbox rows.
   */
  settleHeldSpends(transactionIds: readonly string[], counted: ReadonlySet<string>, now: Instant): void {
    const settle = this.stmt(`UPDATE held_spends SET settled = ?, settled_at = ? WHERE transaction_id = ? AND settled IS NULL`);
    for (const id of transactionIds) settle.run(counted.has(id) ? 'counted' : 'posted', now, id);
  }

  /** Books an offline spend against its grant; call inside the command's `transaction`. */
  recordOfflineSpend(transactionId: string, grantId: string, memberId: string, points: number): void {
    this.stmt('INSERT INTO offline_spends (transaction_id, grant_id, member_id, points) VALUES (?, ?, ?, ?)').run(transactionId, grantId, memberId, points);
  }

  /** When a pull last reached the end of the server's feed (null: never), and whether this terminal is enrolled. */
  syncFreshness(): { readonly enrolled: boolean; readonly pullCompleteAt: number | null } {
    const row = this.stmt('SELECT pull_complete_at FROM sync_state WHERE singleton = 1').get() as { pull_complete_at: number | null } | undefined;
    return { enrolled: row !== undefined, pullCompleteAt: row?.pull_complete_at ?? null };
  }

  /** Points the member spent (redeemed or donated) on this terminal in [from, to). */
  pointsSpent(memberId: string, from: Instant, to: Instant): number {
    return this.stmt(`SELECT coalesce(sum(amount), 0) FROM transfers WHERE member_id = ? AND kind IN ('redeem', 'donation') AND booked_at >= ? AND booked_at < ?`)
      .pluck()
      .get(memberId, from, to) as number;
  }

  private outbox(entity: 'transfer' | 'member' | 'transaction' | 'event', id: string, version: number | null, now: Instant): void {
    this.stmt('INSERT INTO outbox (entity, entity_id, entity_version, created_at) VALUES (?, ?, ?, ?)').run(entity, id, version, now);
  }

  balance(memberId: string): number {
    const balance = this.stmt('SELECT balance FROM accounts WHERE id = ?').pluck().get(memberAccount(memberId)) as number | undefined;
    if (balance === undefined) throw new TallyError('unknown-member', `Unknown member ${memberId}`);
    return balance;
  }

  /** Everything the rules need about a member, read in one go. */
  memberState(memberId: string): MemberState {
    const member = this.stmt('SELECT birthday, enrolled_at FROM members WHERE id = ?').get(memberId) as { birthday: string | null; enrolled_at: number } | undefined;
    if (!member) throw new TallyError('unknown-member', `Unknown member ${memberId}`);
    const lots = (
      this.stmt('SELECT id, remaining, expires_at, earned_at, transfer_id FROM lots WHERE member_id = ? AND remaining > 0').all(memberId) as {
        id: string;
        remaining: number;
        expires_at: number | null;
        earned_at: number;
        transfer_id: string;
      }[]
    ).map((l) => ({ id: l.id, remaining: l.remaining, expiresAt: l.expires_at, earnedAt: l.earned_at, sourceTransferId: l.transfer_id }));
    // What expiry took from each credit's lots, closed ones included (a return must not take it again).
    // Walks only the member's expiry transfers (index transfers_member_id_kind): about one a month.
    const expiredFrom = new Map(
      (
        this.stmt(
          `SELECT l.transfer_id AS source, sum(d.points) AS points FROM transfers t JOIN lot_draws d ON d.transfer_id = t.id JOIN lots l ON l.id = d.lot_id
           WHERE t.member_id = ? AND t.kind = 'expiry' GROUP BY l.transfer_id`,
        ).all(memberId) as { source: string; points: number }[]
      ).map((r): [string, number] => [r.source, r.points]),
    );
    // Qualifying spend only matters to tiers and yearly rebates; a program without them never reads it.
    const program = this.activeProgram;
    const needsSpend = program.tiers !== undefined || program.annualRewards.some((r) => r.rebatePercent !== undefined);
    const spend = (
      (needsSpend ? this.stmt(`SELECT kind, amount, effective_at FROM transfers WHERE member_id = ? AND kind IN ('qualifying-spend', 'return-qualifying-spend')`).all(memberId) : []) as {
        kind: string;
        amount: number;
        effective_at: number;
      }[]
    ).map((s) => ({ effectiveAt: s.effective_at, amount: s.kind === 'qualifying-spend' ? s.amount : -s.amount }));
    // Periods bought, each cut short where a return refunded it.
    const refunds = new Map<string, number>();
    const membershipRows = this.stmt(`SELECT id, kind, detail FROM transfers WHERE member_id = ? AND kind IN ('membership-sale', 'membership-refund')`).all(memberId) as { id: string; kind: string; detail: string }[];
    for (const row of membershipRows) {
      if (row.kind !== 'membership-refund') continue;
      const detail = JSON.parse(row.detail) as { saleTransferId: string; cancelledAt: number };
      refunds.set(detail.saleTransferId, detail.cancelledAt);
    }
    const memberships = membershipRows
      .filter((row) => row.kind === 'membership-sale')
      .map((row) => {
        const detail = JSON.parse(row.detail) as { planId: string; startsAt: number; endsAt: number | null };
        const cancelledAt = refunds.get(row.id);
        const endsAt = cancelledAt === undefined ? detail.endsAt : detail.startsAt >= cancelledAt ? detail.startsAt : detail.endsAt === null ? cancelledAt : Math.min(detail.endsAt, cancelledAt);
        return { planId: detail.planId, startsAt: detail.startsAt, endsAt, saleTransferId: row.id } satisfies MembershipPeriod;
      });
    const booked = new Set<string>();
    for (const row of this.stmt('SELECT period_kind AS kind, period FROM transfers WHERE member_id = ? AND period IS NOT NULL UNION ALL SELECT kind, period FROM events WHERE member_id = ?').all(memberId, memberId) as { kind: string; period: string }[]) {
      booked.add(bookedKey(row.kind, row.period));
    }
    const birthday = member.birthday ? /^(?:\d{4}|-)-(\d{2})-(\d{2})$/.exec(member.birthday) : null;
    return {
      id: memberId,
      enrolledAt: member.enrolled_at,
      birthday: birthday ? { month: Number(birthday[1]), day: Number(birthday[2]) } : null,
      balance: this.balance(memberId),
      lots,
      expiredFrom,
      spend,
      memberships,
      booked,
    };
  }

  findTransaction(kind: TransactionKind, txnId: string, terminalId = this.config.terminalId, storeId = this.config.storeId): TransactionRow | undefined {
    const row = this.stmt('SELECT * FROM transactions WHERE store_id = ? AND terminal_id = ? AND kind = ? AND txn_id = ?').get(storeId, terminalId, kind, txnId) as TransactionDbRow | undefined;
    return row ? toTransaction(row) : undefined;
  }

  /** The enrolment that created a member (on this terminal), if any. */
  enrolmentOf(memberId: string): TransactionRow | undefined {
    const row = this.stmt(`SELECT * FROM transactions WHERE member_id = ? AND kind = 'enrolment' ORDER BY created_at, rowid LIMIT 1`).get(memberId) as TransactionDbRow | undefined;
    return row ? toTransaction(row) : undefined;
  }

  /** Returns booked against a sale, oldest first. */
  returnsOf(saleTransactionId: string): TransactionRow[] {
    return (this.stmt(`SELECT * FROM transactions WHERE original_id = ? AND kind = 'return' ORDER BY created_at, rowid`).all(saleTransactionId) as TransactionDbRow[]).map(toTransaction);
  }

  /**
   * Books a transaction row (if any), transfers with their lots and balances, and events, each with
   * its outbox row. Must run inside `transaction` so that all of it commits or none does.
   */
  book(plan: { readonly transfers: readonly PlannedTransfer[]; readonly events: readonly PlannedEvent[] }, booking: { now: Instant; cashier: string | null; transaction: NewTransaction | null }): BookedTransfer[] {
    const { storeId, terminalId, timeZone } = this.config;
    const program = this.activeProgram;
    const now = booking.now;
    const txn = booking.transaction;
    if (txn) {
      this.stmt(
        `INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, original_id, request_hash, request, record, result, cashier, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(txn.id, storeId, terminalId, txn.kind, txn.txnId, txn.memberId, txn.originalId, txn.requestHash, JSON.stringify(txn.request), JSON.stringify(txn.record), JSON.stringify(txn.result), txn.cashier, now);
      this.outbox('transaction', txn.id, null, now);
    }
    const { epoch, nextSeq } = this.sequence();
    let seq = nextSeq;
    const localTime = localIso(now, timeZone);
    const booked: BookedTransfer[] = [];
    for (const t of plan.transfers) {
      const businessKey = t.key.type === 'period' ? periodKeyText(t.memberId, t.key.kind, t.key.period) : transactionKeyText(storeId, terminalId, txn?.txnId ?? '', t.key.kind);
      if (t.key.type === 'transaction' && !txn) throw new Error(`transfer ${t.kind} needs a transaction`);
      this.stmt(
        `INSERT INTO transfers (id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, member_id, business_key,
           period_kind, period, transaction_id, store_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version,
           earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        t.id,
        terminalId,
        epoch,
        seq,
        t.kind,
        t.unit,
        t.amount,
        t.debit,
        t.credit,
        t.memberId,
        businessKey,
        t.key.type === 'period' ? t.key.kind : null,
        t.key.type === 'period' ? t.key.period : null,
        txn?.id ?? null,
        storeId,
        txn?.txnId ?? null,
        booking.cashier,
        t.moneyAmount,
        program.currency,
        program.id,
        program.version,
        t.earnRate?.points ?? null,
        t.earnRate?.per ?? null,
        t.effectiveAt,
        now,
        localTime,
        JSON.stringify(t.detail),
      );
      this.stmt('UPDATE accounts SET balance = balance - ? WHERE id = ?').run(t.amount, t.debit);
      this.stmt('UPDATE accounts SET balance = balance + ? WHERE id = ?').run(t.amount, t.credit);
      for (const lot of t.lotsGranted) {
        this.stmt('INSERT INTO lots (id, member_id, transfer_id, points, remaining, earned_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(lot.id, t.memberId, t.id, lot.points, lot.points, lot.earnedAt, lot.expiresAt);
      }
      for (const draw of t.lotsDrawn) {
        const changed = this.stmt('UPDATE lots SET remaining = remaining - ? WHERE id = ? AND member_id = ? AND remaining >= ?').run(draw.points, draw.lotId, t.memberId, draw.points).changes;
        if (changed !== 1) throw new TallyError('ledger-invariant', `Lot ${draw.lotId} cannot give ${draw.points} points`);
        this.stmt('INSERT INTO lot_draws (transfer_id, lot_id, points) VALUES (?, ?, ?)').run(t.id, draw.lotId, draw.points);
      }
      this.outbox('transfer', t.id, null, now);
      booked.push({ id: t.id, kind: t.kind, unit: t.unit, amount: t.amount, seq });
      seq += 1;
    }
    for (const e of plan.events) {
      this.stmt('INSERT INTO events (id, member_id, kind, period, business_key, terminal_id, detail, booked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        e.id,
        e.memberId,
        e.kind,
        e.period,
        periodKeyText(e.memberId, e.kind, e.period),
        terminalId,
        JSON.stringify(e.detail),
        now,
      );
      this.outbox('event', e.id, null, now);
    }
    if (plan.transfers.length > 0) this.stmt('UPDATE terminal SET next_seq = ?, last_booked_at = max(coalesce(last_booked_at, 0), ?) WHERE singleton = 1').run(seq, now);
    else this.markBooked(now);
    return booked;
  }

  /** The member's transfers, newest first, signed from the member's point of view. */
  history(memberId: string, limit = 200): HistoryEntry[] {
    const points = memberAccount(memberId);
    const spend = memberSpendAccount(memberId);
    const rows = this.stmt(
      `SELECT id, kind, unit, amount, debit_account, credit_account, money_amount, currency, booked_at, local_time, pos_txn_id, period, detail, terminal_id, seq
       FROM transfers WHERE member_id = ? ORDER BY booked_at DESC, epoch DESC, seq DESC LIMIT ?`,
    ).all(memberId, limit) as {
      id: string;
      kind: string;
      unit: 'points' | 'money';
      amount: number;
      debit_account: string;
      credit_account: string;
      money_amount: number | null;
      currency: string;
      booked_at: number;
      local_time: string;
      pos_txn_id: string | null;
      period: string | null;
      detail: string;
      terminal_id: string;
      seq: number;
    }[];
    return rows.map((r) => {
      const sign = r.credit_account === points || r.credit_account === spend ? 1 : r.debit_account === points || r.debit_account === spend ? -1 : 0;
      return {
        id: r.id,
        kind: r.kind,
        unit: r.unit,
        points: r.unit === 'points' ? sign * r.amount : 0,
        money: r.unit === 'money' ? sign * r.amount : r.money_amount,
        currency: r.currency,
        bookedAt: r.booked_at,
        localTime: r.local_time,
        posTxnId: r.pos_txn_id,
        period: r.period,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
        terminalId: r.terminal_id,
        seq: r.seq,
      };
    });
  }

  memberIds(afterId: string | null, limit: number): string[] {
    return this.stmt('SELECT id FROM members WHERE id > ? ORDER BY id LIMIT ?').pluck().all(afterId ?? '', limit) as string[];
  }

  /**
   * An online, consistent copy of the ledger. The copy is marked so that if it is ever put back in
   * service it starts a new sequence epoch (its later sequence numbers may already be on the server);
   * it gets its name only once complete, marked and synced.
   */
  backup(target: string): void {
    writeLedgerCopy(this.db, target, (copy) => {
      copy.prepare('UPDATE terminal SET restore_pending = 1 WHERE singleton = 1').run();
    });
  }
}
