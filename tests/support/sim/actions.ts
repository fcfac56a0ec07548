/**
 * The simulation's steps, one chosen at random each time (weights in `STEP_WEIGHTS`) at a random
 * terminal: counter commands (checkouts, enrolments, redemptions online and offline, returns, a POS
 * retrying or re-keying an old command, a shopper from another store), the link going down and
 * up, syncs through the faulty network, crashes (in a sync after the server committed, or inside a
 * command's transaction), clock jumps of days either way, backups and restores, late messages.
 *
 * Checkouts go the way the `tally` CLI sends them at an enrolled terminal: a hold on the server
 * first when points are spent (with no answer, the offline budget's gate instead), the command, then
 * the hold settled (the spend pushed at once, or the hold given back).
 *
 * Each counter command is checked against what must be true of its outcome whatever the rules
 * decide: a command the terminal already has replays and writes nothing; a clock more than five
 * minutes behind the terminal's last booking is refused (and only then is a refusal for the clock
 * right); a refusal is a TallyError of a kind that command can meet, and writes nothing.
 */
import type { CheckoutArgs, ReturnArgs } from '../../../src/contract/commands.js';
import { BEHIND_SLACK_MS } from '../../../src/core/clock-guard.js';
import { isTallyError, type TallyErrorCode } from '../../../src/core/errors.js';
import type { TransactionKind } from '../../../src/terminal/ledger/ledger.js';
import type { LoyaltyService } from '../../../src/terminal/loyalty-service.js';
import type { SqliteDatabase } from '../../../src/terminal/ledger/sqlite.js';
import { lookUpUnknownCard } from '../../../src/terminal/sync/card-lookup.js';
import { authoriseSpend, type AuthorisedSpend } from '../../../src/terminal/sync/spending.js';
import { syncNow } from '../../../src/terminal/sync/sync.js';
import { checkRestored, type History } from './invariants.js';
import type { Random } from './random.js';
import { SimCrash, type PosCommand, type SimTerminal, type SimWorld } from './world.js';


export type StepKind =
  | 'checkout'
  | 'enrol'
  | 'redeem'
  | 'return'
  | 'retry'
  | 'stranger'
  | 'update'
  | 'erase'
  | 'sync'
  | 'link'
  | 'crash-sync'
  | 'crash-command'
  | 'clock'
  | 'backup'
  | 'restore'
  | 'late';

export const STEP_WEIGHTS: Readonly<Record<StepKind, number>> = {
  checkout: 20,
  enrol: 5,
  redeem: 14,
  return: 7,
  retry: 4,
  stranger: 3,
  update: 3,
  erase: 1,
  sync: 18,
  link: 7,
  'crash-sync': 3,
  'crash-command': 2,
  clock: 4,
  backup: 3,
  restore: 2,
  late: 3,
};

/**
 * What a spending checkout may be refused for, besides the clock: the rules, the program's limits, the
 * server's hold, the offline budget (offline, or as the cover of a held spend).
 */
const SPEND_REFUSALS: readonly TallyErrorCode[] = ['insufficient-points', 'redemption-not-allowed', 'spend-limit', 'offline-limit', 'spend-cover-limit'];

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** What every command result has. */
interface Result {
  readonly memberId: string;
  readonly replayed: boolean;
  readonly transfers: readonly { readonly id: string; readonly kind: string; readonly amount: number }[];
}

export type Attempt = { readonly status: 'booked' | 'replayed'; readonly result: Result } | { readonly status: 'refused'; readonly code: string } | { readonly status: 'crashed' };

interface CommandSpec {
  readonly label: string;
  readonly kind: TransactionKind;
  /** The POS id (null: an enrolment, found by its card). */
  readonly txnId: string | null;
  readonly memberId: string | null;
  /** Refusals this command may meet besides the clock's. */
  readonly allowed: readonly TallyErrorCode[];
}

/** This counter's own rows (a hold's answer may bring the server's news of the member, pulled, before a refusal). */
const counts = (db: SqliteDatabase): string =>
  JSON.stringify(
    db
      .prepare(
        `SELECT (SELECT count(*) FROM transfers WHERE pulled = 0) AS t, (SELECT count(*) FROM transactions WHERE pulled = 0) AS x, (SELECT count(*) FROM outbox) AS o,
           (SELECT count(*) FROM members WHERE pulled = 0) AS m, (SELECT count(*) FROM events WHERE pulled = 0) AS e,
           (SELECT count(*) FROM lot_draws d JOIN transfers t ON t.id = d.transfer_id WHERE t.pulled = 0) AS d`,
      )
      .get(),
  );

const knownDraws = (db: SqliteDatabase, memberId: string): Set<string> =>
  new Set(db.prepare('SELECT DISTINCT d.transfer_id FROM lot_draws d JOIN lots l ON l.id = d.lot_id WHERE l.member_id = ?').pluck().all(memberId) as string[]);

const message = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export class Actions {
  readonly stats = new Map<string, number>();
  /** Problems found while a step ran (the run loop reports them with the step). */
  problems: string[] = [];

  private readonly weights: Readonly<Record<StepKind, number>>;

  /**
   * `skip`: step kinds left out, and `rekey` for no command the terminal lost sent again (no
   * re-keying after a restore, retries only of what the terminal still has): to look past a known
   * defect for the next one.
   */
  constructor(
    private readonly world: SimWorld,
    private readonly random: Random,
    private readonly history: History,
    private readonly skip: ReadonlySet<string> = new Set(),
    /** A new terminal's first sync is one bootstrap stream, as in the product (run.ts `SimSettings`). */
    private readonly bootstrap = false,
  ) {
    this.weights = Object.fromEntries(Object.entries(STEP_WEIGHTS).map(([k, w]) => [k, skip.has(k) ? 0 : w])) as Record<StepKind, number>;
  }

  count(key: string): void {
    this.stats.set(key, (this.stats.get(key) ?? 0) + 1);
  }

  private problem(t: SimTerminal, text: string): void {
    this.problems.push(`${t.id}: ${text}`);
  }

  private trace(line: string): void {
    this.world.trace(line);
  }

  async step(n: number): Promise<void> {
    const { world, random } = this;
    world.step = n;
    // Time passes: minutes, with milliseconds so that no two steps share an instant by accident.
    world.clock.advance(random.int(MINUTE_MS / 2, 90 * MINUTE_MS));
    const t = random.pick(world.terminals);
    const kind = random.weighted(this.weights);
    this.count(`step:${kind}`);
    this.trace(`step ${n}: ${kind} at ${t.id} (clock ${world.clock.describeOffset(t.id)}, link ${world.network.isUp(t.id) ? 'up' : 'down'})`);
    // Now and then a message held on the way arrives, whatever else happens.
    if (world.network.heldCount() > 0 && random.chance(0.1)) await world.network.deliverHeld(1);
    await this.run(kind, t);
  }

  private async run(kind: StepKind, t: SimTerminal): Promise<void> {
    switch (kind) {
      case 'checkout':
        return this.checkout(t);
      case 'enrol':
        return this.enrol(t);
      case 'redeem':
        return this.redeem(t);
      case 'return':
        return this.returnSale(t);
      case 'retry':
        return this.retry(t);
      case 'stranger':
        return this.stranger(t);
      case 'update':
        return this.memberChange(t, 'update');
      case 'erase':
        return this.memberChange(t, 'erase');
      case 'sync':
        await this.sync(t, 'sync');
        return;
      case 'link': {
        const up = !this.world.network.isUp(t.id);
        this.world.network.setLink(t.id, up);
        this.count(up ? 'link:up' : 'link:down');
        this.trace(`  link ${up ? 'up' : 'down'}`);
        return;
      }
      case 'crash-sync':
        return this.crashSync(t);
      case 'crash-command':
        return this.crashCommand(t);
      case 'clock':
        return this.clockJump(t);
      case 'backup': {
        const file = this.world.backup(t);
        this.count('backup');
        this.trace(`  backup ${file.split('/').at(-1)}`);
        return;
      }
      case 'restore':
        return this.restore(t);
      case 'late': {
        const n = await this.world.network.deliverHeld(this.random.int(1, 3));
        this.count(`late:${n}`);
        return;
      }
    }
  }

  /** Runs one counter command and checks its outcome (see the file comment). */
  private attempt(t: SimTerminal, spec: CommandSpec, run: (service: LoyaltyService) => Result, authority: AuthorisedSpend['mode'] = 'none'): Attempt {
    const { world } = this;
    const { ledger, service } = world.open(t);
    const before = counts(ledger.db);
    const existing = spec.txnId !== null ? ledger.findTransaction(spec.kind, spec.txnId) : undefined;
    const last = ledger.lastBookedAt();
    const now = world.clock.terminalNow(t.id);
    const clockBehind = last !== null && now < last - BEHIND_SLACK_MS;
    const known = spec.memberId !== null ? knownDraws(ledger.db, spec.memberId) : new Set<string>();
    // A restored terminal books nothing until its own later entries are back from the server.
    const awaiting = ledger.awaitingOwnEntries();
    let attempt: Attempt;
    try {
      const result = run(service);
      if (existing) {
        if (!result.replayed) this.problem(t, `${spec.label}: the terminal had ${spec.kind} ${spec.txnId}, yet it was not replayed`);
        if (counts(ledger.db) !== before) this.problem(t, `${spec.label}: a replay wrote to the ledger`);
        attempt = { status: 'replayed', result };
      } else {
        if (result.replayed) this.problem(t, `${spec.label}: replayed, though the terminal had no ${spec.kind} ${spec.txnId}`);
        if (awaiting) this.problem(t, `${spec.label}: booked before the restored terminal had its own later entries back`);
        if (clockBehind) this.problem(t, `${spec.label}: booked at ${new Date(now).toISOString()}, more than 5 minutes before the last booking ${new Date(last ?? 0).toISOString()}`);
        this.recordDebits(t, ledger.db, result, known, authority);
        attempt = { status: 'booked', result };
      }
    } catch (error) {
      if (error instanceof SimCrash) {
        this.count(`${spec.kind}:crashed`);
        return { status: 'crashed' };
      }
      if (!isTallyError(error)) {
        this.problem(t, `${spec.label}: failed with an unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        attempt = { status: 'refused', code: 'unexpected' };
      } else {
        if (error.code === 'clock-wrong' && (!clockBehind || existing)) this.problem(t, `${spec.label}: refused for the clock (${error.message}), but the clock is within 5 minutes of the last booking`);
        else if (error.code === 'restore-sync-required' && !awaiting) this.problem(t, `${spec.label}: refused as awaiting a restore's sync, but the terminal is not`);
        else if (error.code !== 'clock-wrong' && error.code !== 'restore-sync-required' && !spec.allowed.includes(error.code)) this.problem(t, `${spec.label}: refused with ${error.code}: ${error.message}`);
        attempt = { status: 'refused', code: error.code };
      }
      if (counts(ledger.db) !== before) this.problem(t, `${spec.label}: refused (${message(error)}), yet something was written`);
    }
    this.count(`${spec.kind}:${attempt.status === 'refused' ? `refused:${attempt.code}` : attempt.status}`);
    this.trace(`  ${spec.label}: ${attempt.status === 'refused' ? `refused (${attempt.code})` : attempt.status}`);
    return attempt;
  }

  /** The debits a booking made, with what allowed them and what the terminal knew of the member's lots just before. */
  private recordDebits(t: SimTerminal, db: SqliteDatabase, result: Result, known: ReadonlySet<string>, authority: AuthorisedSpend['mode']): void {
    const ids = result.transfers.map((x) => x.id);
    if (ids.length === 0) return;
    const drawing = new Map(
      (db.prepare('SELECT DISTINCT d.transfer_id, t.transaction_id FROM lot_draws d JOIN transfers t ON t.id = d.transfer_id WHERE d.transfer_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { transfer_id: string; transaction_id: string | null }[]).map((r) => [
        r.transfer_id,
        r.transaction_id,
      ]),
    );
    for (const x of result.transfers) {
      if (!drawing.has(x.id)) continue;
      if ((x.kind === 'redeem' || x.kind === 'donation') && authority === 'none') this.problem(t, `${x.kind} ${x.id} was booked with neither a hold nor the offline budget behind it`);
      this.world.debits.set(x.id, { transferId: x.id, transactionId: drawing.get(x.id) ?? null, memberId: result.memberId, terminalId: t.id, kind: x.kind, points: x.amount, authority, known: new Set(known), step: this.world.step });
    }
  }

  /**
   * A checkout as the CLI runs it at an enrolled terminal: authorised first (a hold, or the offline
   * gate; refusals there write nothing), then the command, then the hold settled. A crash inside the
   * command leaves the hold to expire on the server.
   */
  private async gatedCheckout(t: SimTerminal, args: CheckoutArgs, spec: CommandSpec): Promise<Attempt> {
    const { world } = this;
    const { ledger, service } = world.open(t);
    const before = counts(ledger.db);
    let authorised: AuthorisedSpend;
    try {
      authorised = await authoriseSpend(service, { kind: 'checkout', args }, { secrets: t.secrets, wallNow: world.clock.terminal(t.id), client: t.client });
    } catch (error) {
      const code = isTallyError(error) ? error.code : 'unexpected';
      if (!isTallyError(error) || (!spec.allowed.includes(error.code) && error.code !== 'spend-limit')) this.problem(t, `${spec.label}: refused before the command: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (counts(ledger.db) !== before) this.problem(t, `${spec.label}: refused before the command (${message(error)}), yet something was written`);
      this.count(`${spec.kind}:refused:${code}`);
      this.trace(`  ${spec.label}: refused before the command (${code})`);
      return { status: 'refused', code };
    }
    if (authorised.mode !== 'none') this.count(`spend:${authorised.mode}`);
    const attempt = this.attempt(t, { ...spec, label: `${spec.label}${authorised.mode === 'none' ? '' : ` (${authorised.mode})`}` }, (s) => s.checkout(args), authorised.mode);
    if (attempt.status !== 'crashed') await authorised.settle({ booked: attempt.status === 'booked' });
    return attempt;
  }

  private localCards(t: SimTerminal): string[] {
    return this.world.ledgerOf(t).db.prepare('SELECT code FROM card_codes ORDER BY code').pluck().all() as string[];
  }

  private memberOf(t: SimTerminal, card: string): string | null {
    return this.world.ledgerOf(t).memberIdForCard(card) ?? null;
  }

  private checkoutArgs(t: SimTerminal, card: string, amount: number): CheckoutArgs {
    const { service } = this.world.open(t);
    return { card, txnId: this.world.nextPosId(t, 'S'), basket: service.amountBasket(amount), cashier: 'sim' };
  }

  private checkoutSpec(t: SimTerminal, args: CheckoutArgs, label: string, allowed: readonly TallyErrorCode[] = []): CommandSpec {
    return { label: `${label} ${args.txnId}`, kind: 'checkout', txnId: args.txnId, memberId: this.memberOf(t, args.card), allowed };
  }

  private async checkout(t: SimTerminal): Promise<void> {
    const cards = this.localCards(t);
    if (cards.length === 0) return this.enrol(t);
    const args = this.checkoutArgs(t, this.random.pick(cards), this.random.int(100, 60_000));
    t.journal.push({ kind: 'checkout', args });
    await this.gatedCheckout(t, args, this.checkoutSpec(t, args, 'checkout'));
  }

  private async enrol(t: SimTerminal): Promise<void> {
    const card = this.world.newCard();
    // Birthdays in the weeks the run covers, so birthday rewards fall due while it runs.
    const start = new Date(this.world.clock.now() + this.random.int(-2, 20) * DAY_MS);
    const birthday = `19${this.random.int(50, 99)}-${String(start.getUTCMonth() + 1).padStart(2, '0')}-${String(start.getUTCDate()).padStart(2, '0')}`;
    const args = { cards: [card], name: `Member ${this.world.cards.length}`, birthday, marketingConsent: this.random.chance(0.5) };
    this.attempt(t, { label: `enrol ${card}`, kind: 'enrolment', txnId: null, memberId: null, allowed: [] }, (service) => service.enrol(args));
  }

  /**
   * A redemption, through the real spending path: with the link up the server holds the points
   * first (online), with it down the offline budget's gate decides. Now and then an offline spree:
   * the member spends all this counter thinks they have, which another counter doing the same takes
   * below zero.
   */
  private async redeem(t: SimTerminal): Promise<void> {
    const rich = this.world
      .ledgerOf(t)
      .db.prepare(`SELECT c.code, a.balance FROM card_codes c JOIN accounts a ON a.id = 'member:' || c.member_id WHERE a.balance >= 300 ORDER BY c.code`)
      .all() as { code: string; balance: number }[];
    if (rich.length === 0) return this.checkout(t);
    // The richest members are the regulars, at every counter: their offline spends meet.
    const regulars = [...rich].sort((a, b) => b.balance - a.balance || (a.code < b.code ? -1 : 1)).slice(0, 3);
    const { code, balance } = this.random.pick(this.random.chance(0.6) ? regulars : rich);
    const attempt = await this.redeemOnce(t, code, balance >= 1000 && this.random.chance(0.3) ? 'fifteen-percent' : 'ten-off');
    if (attempt.status !== 'booked' || this.world.network.isUp(t.id) || !this.random.chance(0.35)) return;
    for (let n = 0; n < 4 && this.world.ledgerOf(t).balance(attempt.result.memberId) >= 300; n += 1) {
      if ((await this.redeemOnce(t, code, 'ten-off')).status !== 'booked') return;
    }
  }

  /** Scripted scenarios: one redemption on a sale of `amount` at this counter, through the real spending path (held, or offline). */
  async redemption(t: SimTerminal, card: string, amount: number, rewardId = 'ten-off'): Promise<Attempt> {
    const args: CheckoutArgs = { ...this.checkoutArgs(t, card, amount), redeem: { rewardId }, proof: { cashier: 'sim' } };
    t.journal.push({ kind: 'checkout', args });
    return this.gatedCheckout(t, args, this.checkoutSpec(t, args, 'redemption', await this.spendRefusals(t, card)));
  }

  /**
   * What may refuse a spend: the limits, and for a member another counter erased whose erasure is on
   * the server but not pulled here yet, `member-erased` (the hold's answer brings the erasure).
   */
  private async spendRefusals(t: SimTerminal, card: string): Promise<readonly TallyErrorCode[]> {
    const memberId = this.world.ledgerOf(t).memberIdForCard(card);
    const erasedOnServer = this.world.network.isUp(t.id) && memberId !== undefined && ((await this.world.store.member(memberId))?.erasedAt ?? null) !== null;
    return erasedOnServer ? [...SPEND_REFUSALS, 'member-erased'] : SPEND_REFUSALS;
  }

  private async redeemOnce(t: SimTerminal, card: string, rewardId: string): Promise<Attempt> {
    const args: CheckoutArgs = { ...this.checkoutArgs(t, card, this.random.int(1500, 40_000)), redeem: { rewardId }, proof: { cashier: 'sim' } };
    t.journal.push({ kind: 'checkout', args });
    return this.gatedCheckout(t, args, this.checkoutSpec(t, args, 'redemption', await this.spendRefusals(t, card)));
  }

  private async returnSale(t: SimTerminal): Promise<void> {
    const sales = this.world
      .ledgerOf(t)
      .db.prepare(`SELECT txn_id, terminal_id, result FROM transactions WHERE kind = 'checkout' AND store_id = ? ORDER BY created_at, txn_id`)
      .all(t.storeId) as { txn_id: string; terminal_id: string; result: string }[];
    if (sales.length === 0) return this.checkout(t);
    // Mostly this counter's own sales; now and then one from another counter of the store.
    const own = sales.filter((s) => s.terminal_id === t.id);
    const sale = own.length > 0 && this.random.chance(0.85) ? this.random.pick(own) : this.random.pick(sales);
    const amountDue = (JSON.parse(sale.result) as { amountDue: number }).amountDue;
    const returnId = this.world.nextPosId(t, 'R');
    const from = sale.terminal_id === t.id ? {} : { originalTerminal: sale.terminal_id };
    const args: ReturnArgs =
      amountDue <= 1 || this.random.chance(0.1)
        ? { originalTxnId: sale.txn_id, returnId, all: true, cashier: 'sim', ...from }
        : { originalTxnId: sale.txn_id, returnId, amount: this.random.int(1, Math.floor(amountDue / 2)), cashier: 'sim', ...from };
    t.journal.push({ kind: 'return', args });
    await this.gatedReturn(t, args, this.returnSpec(t, args));
  }

  /**
   * A return as the CLI runs it at an enrolled terminal: the points it takes back held on the server
   * first (with no answer, or none left, it takes nothing back), then the command, then the hold settled.
   */
  private async gatedReturn(t: SimTerminal, args: ReturnArgs, spec: CommandSpec): Promise<Attempt> {
    const { world } = this;
    const { service } = world.open(t);
    const authorised = await authoriseSpend(service, { kind: 'return', args }, { secrets: t.secrets, wallNow: world.clock.terminal(t.id), client: t.client });
    if (authorised.mode !== 'none') this.count(`return-hold:${authorised.mode}`);
    const attempt = this.attempt(t, { ...spec, label: `${spec.label}${authorised.mode === 'none' ? '' : ` (${authorised.mode})`}` }, (s) => s.returnSale(args), authorised.mode);
    if (attempt.status !== 'crashed') await authorised.settle({ booked: attempt.status === 'booked' });
    return attempt;
  }

  private returnSpec(t: SimTerminal, args: ReturnArgs): CommandSpec {
    const sale = this.world.ledgerOf(t).findTransaction('checkout', args.originalTxnId, args.originalTerminal);
    return { label: `return ${args.returnId} of ${args.originalTxnId}`, kind: 'return', txnId: args.returnId, memberId: sale?.memberId ?? null, allowed: ['return-exceeds-sale', 'invalid-input', 'unknown-transaction'] };
  }

  /** The POS sends an earlier command again: a retry, or re-keying the day's sales after a restore. */
  private async retry(t: SimTerminal): Promise<void> {
    if (t.journal.length === 0) return this.checkout(t);
    const command = this.random.pick(t.journal);
    // Without re-keying, the POS only sends again what the terminal still has (a plain retry).
    if (this.skip.has('rekey') && !this.world.ledgerOf(t).findTransaction(command.kind, command.kind === 'checkout' ? command.args.txnId : command.args.returnId)) return;
    await this.resend(t, command, 'POS retry of');
  }

  private async resend(t: SimTerminal, command: PosCommand, label: string): Promise<void> {
    if (command.kind === 'checkout') {
      const args = command.args;
      await this.gatedCheckout(t, args, this.checkoutSpec(t, args, label, [...(await this.spendRefusals(t, args.card)), 'unknown-card']));
    } else {
      const args = command.args;
      await this.gatedReturn(t, args, { ...this.returnSpec(t, args), label: `${label} return ${args.returnId}` });
    }
  }

  /** A shopper whose card this counter has never seen: asked of the server when the link is up, then a sale. */
  private async stranger(t: SimTerminal): Promise<void> {
    const local = new Set(this.localCards(t));
    const strangers = this.world.cards.filter((c) => !local.has(c));
    if (strangers.length === 0) return this.checkout(t);
    const card = this.random.pick(strangers);
    let outcome = 'offline';
    if (this.world.network.isUp(t.id)) {
      const lookup = await lookUpUnknownCard(t.path, card, { secrets: () => t.secrets, now: this.world.clock.terminal(t.id), client: t.client });
      outcome = lookup.outcome;
      this.count(`lookup:${outcome}`);
      this.trace(`  card lookup ${card}: ${outcome}${lookup.reason ? ` (${lookup.reason})` : ''}`);
      if (outcome === 'offline' && lookup.reason !== undefined && !/cannot be reached/.test(lookup.reason)) this.problem(t, `card lookup failed: ${lookup.reason}`);
    }
    // Found on the server, the card is known here now — unless this counter erased that member
    // since (its newer version wins, and an erased member has no cards).
    const holder = outcome === 'found' ? await this.world.store.memberIdForCard(card) : undefined;
    const erasedHere = holder !== undefined && (this.world.ledgerOf(t).member(holder)?.erasedAt ?? null) !== null;
    const args = this.checkoutArgs(t, card, this.random.int(100, 60_000));
    t.journal.push({ kind: 'checkout', args });
    const attempt = await this.gatedCheckout(t, args, this.checkoutSpec(t, args, 'checkout of a stranger', outcome === 'found' && !erasedHere ? [] : ['unknown-card']));
    if (outcome === 'found' && !erasedHere && attempt.status === 'refused' && attempt.code === 'unknown-card') this.problem(t, `the server found card ${card}, yet the checkout did not know it`);
  }

  /**
   * A member's details change at the counter (a new name, consent), or the member's personal data
   * is erased at their request: a new member version for sync. Refused for a member enrolled at
   * another store (this counter does not hold their contact details), an erased one, or the clock.
   */
  private async memberChange(t: SimTerminal, kind: 'update' | 'erase'): Promise<void> {
    const { world, random } = this;
    const { ledger, service } = world.open(t);
    const cards = this.localCards(t);
    if (cards.length === 0) return this.enrol(t);
    const card = random.pick(cards);
    const memberId = ledger.memberIdForCard(card)!;
    const before = counts(ledger.db);
    const versionBefore = ledger.member(memberId)!.version;
    const last = ledger.lastBookedAt();
    const clockBehind = last !== null && world.clock.terminalNow(t.id) < last - BEHIND_SLACK_MS;
    const awaiting = ledger.awaitingOwnEntries();
    const label = `${kind} member ${memberId} (card ${card})`;
    let outcome: string;
    try {
      const after = kind === 'update' ? service.updateMember({ card, name: `Member ${card.slice(-5)} ${random.int(1, 999)}`, marketingConsent: random.chance(0.5) }) : service.eraseMember({ card, reason: 'asked at the counter', by: 'sim' });
      if (awaiting) this.problem(t, `${label}: written before the restored terminal had its own later entries back`);
      if (clockBehind) this.problem(t, `${label}: written although the clock is more than 5 minutes behind the last booking`);
      if (after.version <= versionBefore && kind === 'erase') this.problem(t, `${label}: erased without a new member version`);
      outcome = 'done';
    } catch (error) {
      if (!isTallyError(error)) {
        this.problem(t, `${label}: failed with an unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        outcome = 'refused:unexpected';
      } else {
        if (error.code === 'clock-wrong' && !clockBehind) this.problem(t, `${label}: refused for the clock, but the clock is within 5 minutes of the last booking`);
        else if (error.code === 'restore-sync-required' && !awaiting) this.problem(t, `${label}: refused as awaiting a restore's sync, but the terminal is not`);
        else if (error.code !== 'clock-wrong' && !['invalid-input', 'member-erased', 'restore-sync-required'].includes(error.code)) this.problem(t, `${label}: refused with ${error.code}: ${error.message}`);
        outcome = `refused:${error.code}`;
      }
      if (counts(ledger.db) !== before) this.problem(t, `${label}: refused (${message(error)}), yet something was written`);
    }
    this.count(`${kind}:${outcome}`);
    this.trace(`  ${label}: ${outcome}`);
  }

  /**
   * One sync (push, then pull). True when it went through with nothing left to push. A failure must
   * be the network's (io-error); anything else is a problem, unless the terminal died in it.
   */
  async sync(t: SimTerminal, label: string, expectCrash = false): Promise<boolean> {
    const { world } = this;
    const ledger = world.ledgerOf(t);
    try {
      // Small pages, so that pulls take several, are cut inside pushes, and crash between pages. A new
      // terminal's first sync pulls in pages too unless the run's settings say bootstrap (as the product does).
      const pullLimit = this.random.int(3, 60);
      const outcome = await syncNow(ledger, t.secrets, { now: world.clock.terminal(t.id), client: t.client, pullLimit, bootstrap: this.bootstrap });
      for (const c of outcome.push.conflicts) this.problem(t, `${label}: the server holds ${c.entity} ${c.id} with another identity`);
      for (const c of outcome.pull.cardConflicts) this.problem(t, `${label}: pulled card ${c}, which another member holds here`);
      this.count(outcome.push.remaining === 0 ? 'sync:ok' : 'sync:partial');
      this.trace(`  ${label}: pushed ${outcome.push.acknowledged}, ${outcome.push.remaining} left, pulled ${outcome.pull.entries} in ${outcome.pull.pages} page(s) of at most ${pullLimit}`);
      return outcome.push.remaining === 0;
    } catch (error) {
      if (expectCrash && t.ledger === null) {
        this.trace(`  ${label}: the terminal died (${message(error)})`);
        return false;
      }
      if (isTallyError(error) && error.code === 'io-error') {
        this.count('sync:failed');
        this.trace(`  ${label}: failed (${error.message.slice(0, 120)})`);
      } else {
        this.problem(t, `${label} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      return false;
    }
  }

  private async crashSync(t: SimTerminal): Promise<void> {
    const nth = this.random.int(1, 5);
    this.world.network.armCrash(t.id, nth, () => this.world.crash(t));
    await this.sync(t, `sync with a crash at request ${nth}`, true);
    if (this.world.network.disarmCrash(t.id)) {
      this.count('crash-sync:missed');
      return;
    }
    this.count('crash-sync:crashed');
    // The process starts again; opening notices the unclean shutdown and checks the file.
    this.world.open(t);
  }

  /** The process dies inside a command's transaction; once it is back, the POS sends the command again. */
  private async crashCommand(t: SimTerminal): Promise<void> {
    const cards = this.localCards(t);
    if (cards.length === 0) return this.enrol(t);
    const args = this.checkoutArgs(t, this.random.pick(cards), this.random.int(100, 60_000));
    t.journal.push({ kind: 'checkout', args });
    const before = counts(this.world.ledgerOf(t).db);
    t.crashInCommand = true;
    const attempt = await this.gatedCheckout(t, args, this.checkoutSpec(t, args, 'checkout with a crash in it'));
    t.crashInCommand = false;
    if (attempt.status !== 'crashed') return;
    this.world.crash(t);
    const { ledger } = this.world.open(t);
    if (counts(ledger.db) !== before) this.problem(t, `the checkout ${args.txnId} cut short by a crash left something in the ledger`);
    await this.gatedCheckout(t, args, this.checkoutSpec(t, args, 'POS resend after the crash of'));
  }

  private clockJump(t: SimTerminal): void {
    const { clock } = this.world;
    const roll = this.random.weighted({ ahead: 4, behind: 3, right: 3 });
    if (roll === 'right') clock.reset(t.id);
    else clock.jump(t.id, (roll === 'ahead' ? 1 : -1) * (this.random.int(1, 4) * DAY_MS + this.random.int(0, 600) * MINUTE_MS));
    this.count(`clock:${roll}`);
    this.trace(`  clock ${roll}: now ${clock.describeOffset(t.id)}`);
  }

  private async restore(t: SimTerminal): Promise<void> {
    if (t.backups.length === 0) {
      this.world.backup(t);
      this.count('backup');
      return;
    }
    const backup = this.random.pick(t.backups);
    const epoch = this.world.restore(t, backup);
    this.count('restore');
    this.trace(`  restored ${backup.split('/').at(-1)} into generation ${t.generation}, epoch ${epoch}`);
    this.problems.push(...checkRestored(this.world, t, this.history));
    // Half the time the store re-keys what the POS sent since the backup, at once (before any sync).
    if (this.random.chance(0.5) && !this.skip.has('rekey')) {
      const ledger = this.world.ledgerOf(t);
      const lost = t.journal.filter((c) => !ledger.findTransaction(c.kind, c.kind === 'checkout' ? c.args.txnId : c.args.returnId));
      this.count(`rekey:${lost.length}`);
      this.trace(`  re-keying ${lost.length} command(s) the backup lacks`);
      for (const command of lost) await this.resend(t, command, 're-keyed');
    }
  }
}
