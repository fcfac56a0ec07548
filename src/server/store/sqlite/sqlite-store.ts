/**
 * The central server's store on one SQLite file (embedded: nothing to install). better-sqlite3 is
 * synchronous, so every write is one IMMEDIATE transaction run to completion on this thread: a push
 * cannot interleave with another, and prepared statements per item cost microseconds (no round
 * trips to batch away, unlike PostgreSQL).
 */
import { TallyError } from '../../../core/errors.js';
import type { PushStatus, SyncMember, SyncTransfer } from '../../../contract/sync.js';
import type { TerminalCertificate } from '../../../core/card-code/member-qr.js';
import {
  alert,
  balanceDeltas,
  distinctCards,
  eventAlertDetail,
  inItemOrder,
  mergedDraws,
  newLastSeq,
  planMembers,
  resolveHeld,
  results,
  sequenceProblem,
  sortBatch,
  transactionAlertDetail,
  transactionKey,
  transferAlertDetail,
  type HeldEntry,
  type Indexed,
  type NewAlert,
  type StoredMemberVersion,
} from '../push-plan.js';
import { alertFromRow, enrolmentCodeFromRow, programFromRow, sameStore, storeFromRow, terminalFromRow } from '../records.js';
import { bytes, int, intOrNull, text, textOrNull, type Row } from '../rows.js';
import type {
  AlertRecord,
  DayReportRequest,
  EnrolmentCodeRecord,
  MemberView,
  ProgramRecord,
  PushBatch,
  PushOutcome,
  ServerStore,
  StoreRecord,
  TerminalRecord,
} from '../store.js';
import { VERIFY_QUERIES, verifyReport } from '../verify-checks.js';
import { readMemberState, readPullPage, type PullRequest } from '../pull.js';
import type { MemberState, PullResponse } from '../../../contract/pull.js';
import { SqlitePullReader } from './pull-reader.js';
import type { BootstrapRequest, BootstrapSnapshot } from '../bootstrap.js';
import { openSqliteBootstrap } from './bootstrap-reader.js';
import { sqliteCreateHold, sqliteOfflineGrant, sqliteRiskReport, sqliteSettleSpends, sqliteVoidHold } from './spending.js';
import type { GrantTerms, HoldOutcome, HoldRequestRecord, OfflineGrantRecord, RiskRow, VoidOutcome } from '../spending.js';
import type { DayReport } from '../../../contract/day-report.js';
import { sqliteDayReport } from './day-report.js';
import { openServerSqlite, type SqliteDatabase, type SqliteStatement } from './driver.js';
import { SQLITE_LATEST_VERSION, SQLITE_MIGRATIONS } from './migrations.js';

type Param = string | number | bigint | Buffer | null;

export class SqliteServerStore implements ServerStore {
  private readonly db: SqliteDatabase;
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly path: string) {
    this.db = openServerSqlite(path);
  }

  private stmt(sql: string): SqliteStatement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private get(sql: string, ...params: Param[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: Param[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  private run(sql: string, ...params: Param[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  /** Runs `fn` as one IMMEDIATE transaction (the write lock is taken up front: no upgrade deadlock). */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Pushes waiting for the next group commit (inPushGroup). */
  private pushGroup: { readonly apply: () => PushOutcome; readonly resolve: (outcome: PushOutcome) => void; readonly reject: (error: unknown) => void }[] | undefined;

  /**
   * Applies a push in the next group commit: the pushes that arrive while this thread is busy
   * (several counters syncing at once) are applied one after the other, each in its own savepoint
   * (one that throws is rolled back alone and refused), in one IMMEDIATE transaction with one
   * durable COMMIT, and each is answered only after that commit. One counter gets one push per
   * commit, as before; fifty no longer queue behind one fsync each (bench/sync-load.ts: 1,050 pushes
   * of 50 terminals went in 58 commits).
   */
  private inPushGroup(apply: () => PushOutcome): Promise<PushOutcome> {
    return new Promise((resolve, reject) => {
      if (!this.pushGroup) {
        this.pushGroup = [];
        setImmediate(() => this.commitPushGroup());
      }
      this.pushGroup.push({ apply, resolve, reject });
    });
  }

  private commitPushGroup(): void {
    const group = this.pushGroup ?? [];
    this.pushGroup = undefined;
    const outcomes: ({ readonly ok: true; readonly outcome: PushOutcome } | { readonly ok: false; readonly error: unknown })[] = [];
    try {
      this.write(() => {
        for (const push of group) {
          try {
            // Nested in the group's transaction, better-sqlite3 runs it as a savepoint.
            outcomes.push({ ok: true, outcome: this.db.transaction(push.apply)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The group's transaction failed (busy, disk full, the commit itself): none of it is kept.
      for (const push of group) push.reject(error);
      return;
    }
    group.forEach((push, i) => {
      const result = outcomes[i]!;
      if (result.ok) push.resolve(result.outcome);
      else push.reject(result.error);
    });
  }

  async migrate(): Promise<void> {
    this.write(() => {
      const current = this.db.pragma('user_version', { simple: true }) as number;
      if (current > SQLITE_LATEST_VERSION) {
        throw new TallyError('database-newer', `The server database is schema version ${current}, newer than this Tally server (${SQLITE_LATEST_VERSION}): upgrade the server.`);
      }
      for (const m of SQLITE_MIGRATIONS) {
        if (m.version <= current) continue;
        this.db.exec(m.sql);
        this.db.pragma(`user_version = ${m.version}`);
      }
    });
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  async createStore(store: StoreRecord): Promise<void> {
    this.write(() => {
      const held = this.get('SELECT * FROM stores WHERE id = ?', store.id);
      if (held) {
        if (!sameStore(storeFromRow(held), store)) throw new TallyError('duplicate-different', `Store ${store.id} already exists with another name or time zone.`);
        return;
      }
      this.run('INSERT INTO stores (id, name, time_zone, created_at) VALUES (?, ?, ?, ?)', store.id, store.name, store.timeZone, store.createdAt);
    });
  }

  async getStore(id: string): Promise<StoreRecord | undefined> {
    const row = this.get('SELECT * FROM stores WHERE id = ?', id);
    return row ? storeFromRow(row) : undefined;
  }

  async listStores(): Promise<StoreRecord[]> {
    return this.all('SELECT * FROM stores ORDER BY id').map(storeFromRow);
  }

  async publishProgram(program: ProgramRecord): Promise<void> {
    this.write(() => {
      const held = this.get('SELECT text FROM programs WHERE id = ? AND version = ?', program.id, program.version);
      if (held) {
        if (text(held, 'text') !== program.text) throw new TallyError('duplicate-different', `Program ${program.id} version ${program.version} is already published with another text: publish a new version.`);
        return;
      }
      this.run('INSERT INTO programs (id, version, text, published_at) VALUES (?, ?, ?, ?)', program.id, program.version, program.text, program.publishedAt);
    });
  }

  async currentProgram(): Promise<ProgramRecord | undefined> {
    const row = this.get('SELECT * FROM programs ORDER BY version DESC, published_at DESC, id LIMIT 1');
    return row ? programFromRow(row) : undefined;
  }

  async createEnrolmentCode(codeHash: string, code: EnrolmentCodeRecord): Promise<void> {
    this.run(
      'INSERT INTO enrolment_codes (code_hash, store_id, terminal_id, expires_at, used_at) VALUES (?, ?, ?, ?, ?)',
      codeHash,
      code.storeId,
      code.terminalId,
      code.expiresAt,
      code.usedAt,
    );
  }

  async enrolmentCode(codeHash: string): Promise<EnrolmentCodeRecord | undefined> {
    const row = this.get('SELECT store_id, terminal_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?', codeHash);
    return row ? enrolmentCodeFromRow(row) : undefined;
  }

  async useEnrolmentCode(
    codeHash: string,
    terminal: { readonly credentialHash: string; readonly keyId: string; readonly certificate: TerminalCertificate; readonly now: number },
  ): Promise<{ ok: true; readonly storeId: string; readonly terminalId: string } | { ok: false; readonly reason: 'unknown' | 'used' | 'expired' }> {
    return this.write(() => {
      const row = this.get('SELECT store_id, terminal_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?', codeHash);
      if (!row) return { ok: false, reason: 'unknown' } as const;
      if (intOrNull(row, 'used_at') !== null) return { ok: false, reason: 'used' } as const;
      if (terminal.now >= int(row, 'expires_at')) return { ok: false, reason: 'expired' } as const;
      const storeId = text(row, 'store_id');
      const terminalId = text(row, 'terminal_id');
      this.run('UPDATE enrolment_codes SET used_at = ? WHERE code_hash = ?', terminal.now, codeHash);
      this.run(
        `INSERT INTO terminals (store_id, terminal_id, credential_hash, status, key_id, certificate, enrolled_at, revoked_at)
         VALUES (?, ?, ?, 'active', ?, ?, ?, NULL)
         ON CONFLICT (store_id, terminal_id) DO UPDATE SET credential_hash = excluded.credential_hash, status = 'active', key_id = excluded.key_id,
           certificate = excluded.certificate, enrolled_at = excluded.enrolled_at, revoked_at = NULL`,
        storeId,
        terminalId,
        terminal.credentialHash,
        terminal.keyId,
        JSON.stringify(terminal.certificate),
        terminal.now,
      );
      return { ok: true, storeId, terminalId } as const;
    });
  }

  async terminalByCredential(credentialHash: string): Promise<TerminalRecord | undefined> {
    const row = this.get('SELECT * FROM terminals WHERE credential_hash = ?', credentialHash);
    return row ? terminalFromRow(row) : undefined;
  }

  async listTerminals(storeId?: string): Promise<TerminalRecord[]> {
    const rows = storeId === undefined ? this.all('SELECT * FROM terminals ORDER BY store_id, terminal_id') : this.all('SELECT * FROM terminals WHERE store_id = ? ORDER BY terminal_id', storeId);
    return rows.map(terminalFromRow);
  }

  async revokeTerminal(storeId: string, terminalId: string, now: number): Promise<boolean> {
    // Revoking twice keeps the first time; false only for a terminal that does not exist.
    return this.run(`UPDATE terminals SET status = 'revoked', revoked_at = coalesce(revoked_at, ?) WHERE store_id = ? AND terminal_id = ?`, now, storeId, terminalId) > 0;
  }

  async push(batch: PushBatch): Promise<PushOutcome> {
    const sorted = sortBatch(batch);
    return this.inPushGroup(() => {
      const outcome = this.pushInTransaction(batch, sorted);
      // Holds posted and offline spends counted in the same transaction as the spends themselves.
      if (!outcome.ok) return outcome;
      const countedHolds = sqliteSettleSpends(this.db, batch, outcome);
      return countedHolds.length === 0 ? outcome : { ...outcome, countedHolds };
    });
  }

  async createHold(hold: HoldRequestRecord): Promise<HoldOutcome> {
    return this.write(() => sqliteCreateHold(this.db, hold));
  }

  async voidHold(key: { readonly memberId: string; readonly holdId: string; readonly storeId: string; readonly terminalId: string; readonly now: number }): Promise<VoidOutcome> {
    return this.write(() => sqliteVoidHold(this.db, key));
  }

  async offlineGrant(request: { readonly storeId: string; readonly terminalId: string; readonly now: number; readonly newId: string; readonly terms: GrantTerms }): Promise<OfflineGrantRecord> {
    return this.write(() => sqliteOfflineGrant(this.db, request));
  }

  async setStoreOfflineBudget(storeId: string, points: number | null): Promise<boolean> {
    return this.run('UPDATE stores SET offline_budget_points = ? WHERE id = ?', points, storeId) > 0;
  }

  async riskReport(now: number): Promise<RiskRow[]> {
    return this.db.transaction(() => sqliteRiskReport(this.db, now)).deferred();
  }

  private pushInTransaction(batch: PushBatch, sorted: ReturnType<typeof sortBatch>): PushOutcome {
    const seqRow = this.get('SELECT last_seq FROM terminal_sequences WHERE store_id = ? AND terminal_id = ? AND epoch = ?', batch.storeId, batch.terminalId, batch.epoch);
    const lastSeq = seqRow ? int(seqRow, 'last_seq') : 0;
    const problem = sequenceProblem(batch, sorted.transfers, lastSeq);
    // Checked before the first write: a refused batch leaves nothing behind.
    if (problem !== null) return { ok: false, reason: 'sequence', lastSeq, message: problem };

    const statuses: (PushStatus | undefined)[] = new Array<PushStatus | undefined>(batch.items.length);
    const alerts: NewAlert[] = [];

    // Transactions.
    for (const { index, item: t, identity } of sorted.transactions) {
      const inserted = this.run(
        `INSERT INTO transactions (member_id, id, store_id, terminal_id, kind, txn_id, original_id, request_hash, request, record, result, cashier, created_at, identity_hash, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        t.memberId,
        t.id,
        t.storeId,
        t.terminalId,
        t.kind,
        t.txnId,
        t.originalId,
        t.requestHash,
        JSON.stringify(t.request ?? null),
        JSON.stringify(t.record ?? null),
        JSON.stringify(t.result ?? null),
        t.cashier,
        t.createdAt,
        identity,
        batch.now,
      );
      if (inserted) {
        statuses[index] = 'ok';
        continue;
      }
      const held = this.all(
        `SELECT id, store_id, terminal_id, kind, txn_id, identity_hash FROM transactions
         WHERE member_id = ? AND (id = ? OR (store_id = ? AND terminal_id = ? AND kind = ? AND txn_id = ?))`,
        t.memberId,
        t.id,
        t.storeId,
        t.terminalId,
        t.kind,
        t.txnId,
      ).map((r): HeldEntry => ({ id: text(r, 'id'), key: transactionKey({ storeId: text(r, 'store_id'), terminalId: text(r, 'terminal_id'), kind: text(r, 'kind'), txnId: text(r, 'txn_id') }), identity: bytes(r, 'identity_hash') }));
      const r = resolveHeld({ id: t.id, key: transactionKey(t), identity }, held, 'transaction');
      statuses[index] = r.status;
      if (r.status === 'exists_with_different') alerts.push(alert(batch, index, 'exists_with_different', 'transaction', t.id, transactionAlertDetail(t, r.held, r.matchedBy)));
    }

    // Transfers, with their lots and draws; balances once at the end.
    const applied: SyncTransfer[] = [];
    for (const entry of sorted.transfers) {
      const { index, item: t } = entry;
      if (this.insertTransfer(batch, entry)) {
        statuses[index] = 'ok';
        applied.push(t);
        this.bookLots(batch, index, t, alerts);
        continue;
      }
      const held = this.all('SELECT id, business_key, identity_hash FROM transfers WHERE member_id = ? AND (id = ? OR business_key = ?)', t.memberId, t.id, t.businessKey).map(
        (r): HeldEntry => ({ id: text(r, 'id'), key: text(r, 'business_key'), identity: bytes(r, 'identity_hash') }),
      );
      const r = resolveHeld({ id: t.id, key: t.businessKey, identity: entry.identity }, held, 'transfer');
      statuses[index] = r.status;
      this.run(
        'INSERT INTO resent_transfers (store_id, terminal_id, epoch, seq, transfer_id, status, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        batch.storeId,
        batch.terminalId,
        t.epoch,
        t.seq,
        t.id,
        r.status,
        batch.now,
      );
      if (r.status === 'exists_with_different') alerts.push(alert(batch, index, 'exists_with_different', 'transfer', t.id, transferAlertDetail(t, r.held, r.matchedBy)));
    }
    for (const d of balanceDeltas(applied)) {
      this.run(
        'INSERT INTO member_balances (member_id, account, balance) VALUES (?, ?, ?) ON CONFLICT (member_id, account) DO UPDATE SET balance = balance + excluded.balance',
        d.memberId,
        d.account,
        d.delta,
      );
    }

    // Events.
    for (const { index, item: e, identity } of sorted.events) {
      const inserted = this.run(
        `INSERT INTO events (member_id, id, kind, period, business_key, store_id, terminal_id, detail, booked_at, identity_hash, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        e.memberId,
        e.id,
        e.kind,
        e.period,
        e.businessKey,
        batch.storeId,
        e.terminalId,
        JSON.stringify(e.detail),
        e.bookedAt,
        identity,
        batch.now,
      );
      if (inserted) {
        statuses[index] = 'ok';
        continue;
      }
      const held = this.all('SELECT id, business_key, identity_hash FROM events WHERE member_id = ? AND (id = ? OR business_key = ?)', e.memberId, e.id, e.businessKey).map(
        (r): HeldEntry => ({ id: text(r, 'id'), key: text(r, 'business_key'), identity: bytes(r, 'identity_hash') }),
      );
      const r = resolveHeld({ id: e.id, key: e.businessKey, identity }, held, 'event');
      statuses[index] = r.status;
      if (r.status === 'exists_with_different') alerts.push(alert(batch, index, 'exists_with_different', 'event', e.id, eventAlertDetail(e, r.held, r.matchedBy)));
    }

    // Members: decided against the stored versions, then the newest record per member written.
    const stored = new Map<string, StoredMemberVersion>();
    for (const id of new Set(sorted.members.map((m) => m.item.id))) {
      const row = this.get('SELECT version, identity_hash, erased_at, updated_at FROM members WHERE member_id = ?', id);
      if (row) stored.set(id, { version: int(row, 'version'), identity: bytes(row, 'identity_hash'), erased: intOrNull(row, 'erased_at') !== null, updatedAt: int(row, 'updated_at') });
    }
    const plan = planMembers(batch, sorted.members, stored);
    for (const [index, status] of plan.statuses) statuses[index] = status;
    alerts.push(...plan.alerts);
    for (const entry of plan.writes) this.writeMember(batch, entry, alerts);

    for (const a of inItemOrder(alerts)) {
      this.run(
        'INSERT INTO alerts (kind, store_id, terminal_id, entity, entity_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        a.kind,
        a.storeId,
        a.terminalId,
        a.entity,
        a.entityId,
        JSON.stringify(a.detail),
        a.createdAt,
      );
    }

    const last = newLastSeq(batch, sorted.transfers, lastSeq);
    if (sorted.transfers.length > 0) {
      this.run(
        `INSERT INTO terminal_sequences (store_id, terminal_id, epoch, last_seq, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (store_id, terminal_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
        batch.storeId,
        batch.terminalId,
        batch.epoch,
        last,
        batch.now,
      );
    }
    return { ok: true, lastSeq: last, results: results(batch, statuses) };
  }

  /** Inserts a transfer unless its id or business key is taken; true when inserted. */
  private insertTransfer(batch: PushBatch, { item: t, identity }: Indexed<SyncTransfer>): boolean {
    return (
      this.run(
        `INSERT INTO transfers (member_id, id, store_id, terminal_id, epoch, seq, kind, unit, amount, debit_account, credit_account, business_key,
           period_kind, period, transaction_id, pos_txn_id, cashier, money_amount, currency, program_id, program_version,
           earn_rate_points, earn_rate_per, effective_at, booked_at, local_time, detail, identity_hash, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        t.memberId,
        t.id,
        t.storeId,
        t.terminalId,
        t.epoch,
        t.seq,
        t.kind,
        t.unit,
        t.amount,
        t.debitAccount,
        t.creditAccount,
        t.businessKey,
        t.periodKind,
        t.period,
        t.transactionId,
        t.posTxnId,
        t.cashier,
        t.moneyAmount,
        t.currency,
        t.programId,
        t.programVersion,
        t.earnRatePoints,
        t.earnRatePer,
        t.effectiveAt,
        t.bookedAt,
        t.localTime,
        JSON.stringify(t.detail),
        identity,
        batch.now,
      ) > 0
    );
  }

  /**
   * The lots an applied transfer opens and draws. A lot arriving after draws from it (another
   * terminal's batch came first) starts with those draws taken off, so the result does not depend
   * on arrival order.
   */
  private bookLots(batch: PushBatch, index: number, t: SyncTransfer, alerts: NewAlert[]): void {
    for (const lot of t.lotsGranted) {
      const inserted = this.run(
        `INSERT INTO lots (member_id, id, transfer_id, points, remaining, earned_at, expires_at)
         VALUES (?, ?, ?, ?, ? - coalesce((SELECT sum(points) FROM lot_draws WHERE member_id = ? AND lot_id = ?), 0), ?, ?) ON CONFLICT DO NOTHING`,
        t.memberId,
        lot.id,
        t.id,
        lot.points,
        lot.points,
        t.memberId,
        lot.id,
        lot.earnedAt,
        lot.expiresAt,
      );
      if (!inserted) alerts.push(alert(batch, index, 'lot-conflict', 'transfer', t.id, { lotId: lot.id, memberId: t.memberId, points: lot.points }));
    }
    for (const d of mergedDraws(t)) {
      this.run('INSERT INTO lot_draws (member_id, lot_id, transfer_id, points) VALUES (?, ?, ?, ?)', t.memberId, d.lotId, t.id, d.points);
      this.run('UPDATE lots SET remaining = remaining - ? WHERE member_id = ? AND id = ?', d.points, t.memberId, d.lotId);
    }
  }

  private writeMember(batch: PushBatch, { index, item: m, identity }: Indexed<SyncMember>, alerts: NewAlert[]): void {
    this.run(
      `INSERT INTO members (member_id, version, name, erased_at, updated_at, identity_hash, record, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (member_id) DO UPDATE SET version = excluded.version, name = excluded.name, erased_at = excluded.erased_at, updated_at = excluded.updated_at,
         identity_hash = excluded.identity_hash, record = excluded.record, stored_at = excluded.stored_at
       WHERE (excluded.erased_at IS NOT NULL, excluded.version, excluded.updated_at, excluded.identity_hash) > (members.erased_at IS NOT NULL, members.version, members.updated_at, members.identity_hash)`,
      m.id,
      m.version,
      m.name,
      m.erasedAt,
      m.updatedAt,
      identity,
      JSON.stringify(m),
      batch.now,
    );
    // The member's codes in the card index are among its member_cards rows (both are written
    // together): found by code, the index's key, instead of a scan of the whole index.
    this.run('DELETE FROM card_index WHERE code IN (SELECT code FROM member_cards WHERE member_id = ?) AND member_id = ?', m.id, m.id);
    this.run('DELETE FROM member_cards WHERE member_id = ?', m.id);
    distinctCards(m).forEach((code, position) => {
      this.run('INSERT INTO member_cards (member_id, code, position) VALUES (?, ?, ?)', m.id, code, position);
      if (this.run('INSERT INTO card_index (code, member_id) VALUES (?, ?) ON CONFLICT DO NOTHING', code, m.id) === 0) {
        const holder = this.get('SELECT member_id FROM card_index WHERE code = ?', code);
        alerts.push(alert(batch, index, 'card-conflict', 'member', m.id, { code, heldBy: holder ? text(holder, 'member_id') : null, version: m.version }));
      }
    });
  }

  async lastSeqs(storeId: string, terminalId: string): Promise<{ readonly epoch: number; readonly lastSeq: number }[]> {
    return this.all('SELECT epoch, last_seq FROM terminal_sequences WHERE store_id = ? AND terminal_id = ? ORDER BY epoch', storeId, terminalId).map((r) => ({
      epoch: int(r, 'epoch'),
      lastSeq: int(r, 'last_seq'),
    }));
  }

  async member(memberId: string): Promise<MemberView | undefined> {
    const row = this.get(
      `SELECT m.version, m.name, m.erased_at, coalesce(b.balance, 0) AS balance FROM members m
       LEFT JOIN member_balances b ON b.member_id = m.member_id AND b.account = 'member:' || m.member_id
       WHERE m.member_id = ?`,
      memberId,
    );
    if (!row) return undefined;
    const cards = this.all('SELECT code FROM member_cards WHERE member_id = ? ORDER BY position', memberId).map((r) => text(r, 'code'));
    return { id: memberId, version: int(row, 'version'), name: textOrNull(row, 'name'), cards, balance: int(row, 'balance'), erasedAt: intOrNull(row, 'erased_at') };
  }

  async pull(request: PullRequest): Promise<PullResponse> {
    return readPullPage(new SqlitePullReader(this.db), request);
  }

  async bootstrap(request: BootstrapRequest): Promise<BootstrapSnapshot> {
    return openSqliteBootstrap(this.path, request);
  }

  async memberState(memberId: string, caller: { readonly storeId: string; readonly terminalId: string }): Promise<MemberState> {
    return readMemberState(new SqlitePullReader(this.db), memberId, caller);
  }

  async memberStateByCard(code: string, caller: { readonly storeId: string; readonly terminalId: string }): Promise<MemberState | undefined> {
    const memberId = await this.memberIdForCard(code);
    if (memberId === undefined) return undefined;
    return readMemberState(new SqlitePullReader(this.db), memberId, caller);
  }

  async memberIdForCard(code: string): Promise<string | undefined> {
    const row = this.get('SELECT member_id FROM card_index WHERE code = ?', code);
    return row ? text(row, 'member_id') : undefined;
  }

  async alerts(limit: number): Promise<AlertRecord[]> {
    return this.all('SELECT * FROM alerts ORDER BY id DESC LIMIT ?', limit).map(alertFromRow);
  }

  async verify(): Promise<{ readonly ok: boolean; readonly problems: readonly string[]; readonly overdrafts: readonly string[] }> {
    // One read transaction, synchronous: every check sees the same state and no push interleaves.
    const rows = this.db.transaction(() => VERIFY_QUERIES.map((sql) => this.db.prepare(sql).all() as Row[])).deferred();
    return verifyReport(rows);
  }

  async dayReport(request: DayReportRequest): Promise<DayReport | undefined> {
    return sqliteDayReport(this.db, request);
  }

  /** Tests only: raw rows (the shared suite counts rows to prove a refused batch wrote nothing). */
  async query(sql: string): Promise<Row[]> {
    return this.db.prepare(sql).all() as Row[];
  }
}

/** Opens (creating if needed) a server store file and brings its schema up to date. */
export async function openSqliteServerStore(path: string): Promise<SqliteServerStore> {
  const store = new SqliteServerStore(path);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

