/**
 * The central server's storage: one interface, two adapters (`sqlite/` embedded, nothing to
 * install; `postgres/` for production), one shared test suite run against both. Every method that
 * writes is one database transaction: it commits entirely or not at all.
 *
 * Schema rule (Citus-ready): member-keyed tables carry `member_id` in their primary key (the
 * distribution column), and every unique constraint on them includes it; stores, programs,
 * terminals and enrolment codes are small reference tables; nothing on the push path touches rows
 * of two members in one statement that would need a cross-shard lock beyond the batch's members.
 */
import type { DayReport } from '../../contract/day-report.js';
import type { PushItem, PushStatus } from '../../contract/sync.js';
import type { MemberState, PullResponse } from '../../contract/pull.js';
import type { TerminalCertificate } from '../../core/card-code/member-qr.js';
import type { PullRequest } from './pull.js';
import type { BootstrapRequest, BootstrapSnapshot } from './bootstrap.js';
import type { GrantTerms, HoldOutcome, HoldRequestRecord, OfflineGrantRecord, RiskRow, VoidOutcome } from './spending.js';

export interface StoreRecord {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly createdAt: number;
}

export interface ProgramRecord {
  readonly id: string;
  readonly version: number;
  /** The program file exactly as signed. */
  readonly text: string;
  readonly publishedAt: number;
}

export interface TerminalRecord {
  readonly storeId: string;
  readonly terminalId: string;
  readonly status: 'active' | 'revoked';
  readonly enrolledAt: number;
  readonly revokedAt: number | null;
  readonly keyId: string | null;
  readonly certificate: TerminalCertificate | null;
}

export interface EnrolmentCodeRecord {
  readonly storeId: string;
  readonly terminalId: string;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

export interface PushBatch {
  readonly storeId: string;
  readonly terminalId: string;
  readonly epoch: number;
  readonly fromSeq: number;
  readonly items: readonly PushItem[];
  readonly now: number;
}

/** The answer for one item, in the order of `items` (`version` for member items only). */
export interface PushItemResult {
  readonly entity: PushItem['entity'];
  readonly id: string;
  readonly version?: number;
  readonly status: PushStatus;
}

export type PushOutcome =
  | {
      readonly ok: true;
      readonly lastSeq: number;
      readonly results: readonly PushItemResult[];
      /** The batch's held spends whose hold had lapsed, counted against their fallback offline budget (see pushResponseSchema). */
      readonly countedHolds?: readonly string[];
    }
  | { readonly ok: false; readonly reason: 'sequence'; readonly lastSeq: number; readonly message: string };

export interface AlertRecord {
  readonly id: number;
  readonly kind: string;
  readonly storeId: string;
  readonly terminalId: string;
  readonly entity: string;
  readonly entityId: string;
  readonly detail: unknown;
  readonly createdAt: number;
}

export interface MemberView {
  readonly id: string;
  readonly version: number;
  readonly name: string | null;
  readonly cards: readonly string[];
  readonly balance: number;
  readonly erasedAt: number | null;
}

export interface DayReportRequest {
  readonly storeId: string;
  readonly terminalId: string;
  /** YYYY-MM-DD in the store's time zone. */
  readonly day: string;
  /** The program's currency: money figures count only in it. */
  readonly currency: string;
}

export interface ServerStore {
  /**
   * Creates or upgrades the schema (idempotent): every pending migration in one transaction; a
   * database from a newer Tally is refused (`TallyError('database-newer')`).
   */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Refuses (`TallyError('duplicate-different')`) an id already taken with another name or time zone; the same store again is a no-op. */
  createStore(store: StoreRecord): Promise<void>;
  getStore(id: string): Promise<StoreRecord | undefined>;
  listStores(): Promise<StoreRecord[]>;

  /** The same (id, version) again with the same text is a no-op; with another text it is refused (`duplicate-different`). */
  publishProgram(program: ProgramRecord): Promise<void>;
  /** The newest version of the program (there is one program per server). */
  currentProgram(): Promise<ProgramRecord | undefined>;

  /** Stores a one-time enrolment code by its hash (the code itself is shown once and never stored). */
  createEnrolmentCode(codeHash: string, code: EnrolmentCodeRecord): Promise<void>;
  /**
   * A code by its hash, used or not (null `usedAt` when unused), so the caller can certify the
   * terminal key for the code's store and terminal before `useEnrolmentCode` (which checks again).
   */
  enrolmentCode(codeHash: string): Promise<EnrolmentCodeRecord | undefined>;
  /**
   * Atomically uses a code: refuses an unknown, used or expired one; otherwise marks it used and
   * creates (or re-enrols, if revoked) the terminal with this credential hash and certificate.
   */
  useEnrolmentCode(
    codeHash: string,
    terminal: { readonly credentialHash: string; readonly keyId: string; readonly certificate: TerminalCertificate; readonly now: number },
  ): Promise<{ ok: true; readonly storeId: string; readonly terminalId: string } | { ok: false; readonly reason: 'unknown' | 'used' | 'expired' }>;
  /** The terminal a credential hash belongs to (revoked ones too: the caller answers 401). */
  terminalByCredential(credentialHash: string): Promise<TerminalRecord | undefined>;
  listTerminals(storeId?: string): Promise<TerminalRecord[]>;
  revokeTerminal(storeId: string, terminalId: string, now: number): Promise<boolean>;

  /**
   * Applies a batch in one transaction (see src/contract/sync.ts for the rules).
   * - Sequence: the batch's transfers carry `epoch === batch.epoch` and the seqs `fromSeq, fromSeq+1, …`,
   *   and `fromSeq` is the stored last seq + 1 (0 when unknown); otherwise `{ ok: false, reason:
   *   'sequence' }` and nothing is written. A transfer answered `exists` still uses up its seq.
   * - Every transfer and transaction must name the batch's store and terminal, every event its
   *   terminal: a mismatch is the caller's bug (the HTTP layer checks first) and throws a
   *   `TallyError('invalid-input')` before anything is written.
   * - Transfers, transactions, events: new → `ok`; held by id or business key with the same identity
   *   (src/contract/sync-identity.ts) → `exists`; with another identity → `exists_with_different`
   *   and an alert, nothing else written for that item.
   * - Members: a higher version replaces the stored record (`ok`); the same version with the same
   *   record → `exists`, with another → `exists_with_different` + alert; a lower version → `exists`
   *   (an older snapshot, ignored). Only the latest version is kept (erasure leaves no old copy).
   * - Any other failure (a database constraint) throws and the whole batch is rolled back.
   */
  push(batch: PushBatch): Promise<PushOutcome>;
  /** The last sequence number held for each epoch of a terminal. */
  lastSeqs(storeId: string, terminalId: string): Promise<{ readonly epoch: number; readonly lastSeq: number }[]>;

  /** One page of changes after the request's cursor (src/contract/pull.ts, ./pull.ts). */
  pull(request: PullRequest): Promise<PullResponse>;
  /**
   * One consistent read of everything a new terminal pulls, and the cursor its pages continue from
   * (src/contract/bootstrap.ts, ./bootstrap.ts). The caller streams it and must close it.
   */
  bootstrap(request: BootstrapRequest): Promise<BootstrapSnapshot>;
  /** The whole state of the member holding this card (for a card a terminal has never seen), or undefined. */
  memberStateByCard(code: string, caller: { readonly storeId: string; readonly terminalId: string }): Promise<MemberState | undefined>;
  /** The whole state of a member by id (what a hold's counter applies before it books the spend). */
  memberState(memberId: string, caller: { readonly storeId: string; readonly terminalId: string }): Promise<MemberState>;

  /**
   * A hold on a member's points for one online spend: granted when the member's balance less the
   * other unexpired holds covers it (the same hold id again answers the same), else refused with what
   * is available. Posted by the push that brings the spend (its transaction names the hold).
   */
  createHold(hold: HoldRequestRecord): Promise<HoldOutcome>;
  /** Voids a hold of the caller's that is still held and not expired; otherwise says what became of it. */
  voidHold(key: { readonly memberId: string; readonly holdId: string; readonly storeId: string; readonly terminalId: string; readonly now: number }): Promise<VoidOutcome>;
  /** The terminal's offline budget for now: the unexpired one, else a new one on these terms (a store's own budget wins). */
  offlineGrant(request: { readonly storeId: string; readonly terminalId: string; readonly now: number; readonly newId: string; readonly terms: GrantTerms }): Promise<OfflineGrantRecord>;
  /** A store's own offline budget per terminal (null: the program's); false for an unknown store. */
  setStoreOfflineBudget(storeId: string, points: number | null): Promise<boolean>;
  /** Per store: unexpired budgets, what was spent offline under them, and members below zero. */
  riskReport(now: number): Promise<RiskRow[]>;

  member(memberId: string): Promise<MemberView | undefined>;
  memberIdForCard(code: string): Promise<string | undefined>;
  alerts(limit: number): Promise<AlertRecord[]>;
  /**
   * Ledger checks for tests and `tally-server verify`: balances equal the journal, every unit
   * balances. Lots two counters overdrew offline are listed apart (`overdrafts`): allowed, bounded by
   * the offline budgets, not a broken invariant.
   */
  verify(): Promise<{ readonly ok: boolean; readonly problems: readonly string[]; readonly overdrafts: readonly string[] }>;

  /**
   * One terminal's end-of-day report for a local day of its store (src/contract/day-report.ts
   * defines the figures), from one consistent read of what that terminal pushed — never entries
   * the server or other terminals booked. Undefined when the store is unknown.
   */
  dayReport(request: DayReportRequest): Promise<DayReport | undefined>;
}
