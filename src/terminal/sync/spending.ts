/**
 * Spending at a terminal enrolled with a server (program `spending.offline`, src/contract/spending.ts).
 * Before a spending command the counter asks the server for a hold on the points (a short wait: a
 * customer is at the till). Granted: the command books against the hold and the spend is pushed at
 * once, which posts it. Refused: not enough points once other counters' holds count, and the cashier
 * is told how many there are. No answer: the command goes on offline, within the budget the server
 * granted this terminal in advance, checked inside the command's own transaction.
 *
 * A held spend is also covered by that budget: if its push is lost and reaches the server only after
 * the hold expired, the points may have been spent at another counter meanwhile, and the server then
 * counts the spend against the budget it names (`fallbackGrantId`) like an offline spend. So it is
 * booked only within the budget's room, and takes room until the server's answer to its push says
 * the hold was posted (src/terminal/sync/push.ts): the budget bounds what late pushes can overdraw.
 */
import { randomBytes } from 'node:crypto';
import { toBase64Url } from '../../core/card-code/base64url.js';
import { isTallyError, TallyError } from '../../core/errors.js';
import { checkHoldCover, checkOfflineSpending } from '../../core/rules/spending.js';
import type { Ledger } from '../ledger/ledger.js';
import { applyPulled } from '../ledger/pulled.js';
import type { LoyaltyService, SpendingAuthority, SpendingGate } from '../loyalty-service.js';
import type { SecretStore } from '../trust/secret-store.js';
import { SyncClient } from './client.js';
import { pushOutbox } from './push.js';
import { syncSettings } from './sync.js';

/** How long a counter waits for a hold before going on offline. */
export const HOLD_TIMEOUT_MS = 1500;

/** The gate for spending offline: the newest grant, checked against what was already spent under it. */
export function offlineGate(ledger: Ledger, wallNow: () => number): SpendingGate {
  return (memberId, points) => {
    const grant = ledger.offlineGrant();
    const { pullCompleteAt } = ledger.syncFreshness();
    const spent = grant ? ledger.offlineSpent(grant.id, memberId) : { total: 0, member: 0 };
    const wall = wallNow();
    checkOfflineSpending(grant, {
      points,
      serverNow: wall + (grant?.serverOffsetMs ?? 0),
      snapshotAgeMs: pullCompleteAt === null ? null : Math.max(0, wall - pullCompleteAt),
      spentUnderGrant: spent.total,
      memberSpentUnderGrant: spent.member,
    });
    return { kind: 'offline', grantId: grant!.id, points };
  };
}

/**
 * Checks that `points` under a hold fit in the room left in this terminal's newest offline budget
 * (`spend-cover-limit` if not) and answers that budget's id: the spend's fallback.
 */
export function holdCover(ledger: Ledger, wallNow: () => number): (memberId: string, points: number) => string {
  return (memberId, points) => {
    const grant = ledger.offlineGrant();
    checkHoldCover(grant, { points, serverNow: wallNow() + (grant?.serverOffsetMs ?? 0), spentUnderGrant: grant ? ledger.offlineSpent(grant.id, memberId).total : 0 });
    return grant!.id;
  };
}

/**
 * The gate for spending against a hold: never more than was held, only from the lots the server
 * reserved for it (`lots`; absent for a server that names none), and, with `cover`, only within the
 * room of the offline budget it names as its fallback.
 */
export function holdGate(hold: {
  readonly holdId: string;
  readonly points: number;
  readonly memberId?: string;
  readonly lots?: readonly { readonly lotId: string; readonly points: number }[];
  readonly cover?: (memberId: string, points: number) => string;
}): SpendingGate {
  const gate = (memberId: string, points: number): SpendingAuthority => {
    if (points > hold.points) throw new TallyError('spend-limit', `This spends ${points} points but ${hold.points} were held on the server: try again; nothing was written`);
    if (hold.cover === undefined) return { kind: 'hold', holdId: hold.holdId, points };
    return { kind: 'hold', holdId: hold.holdId, points, fallbackGrantId: hold.cover(memberId, points) };
  };
  if (hold.memberId === undefined || hold.lots === undefined) return gate;
  const lots = new Map<string, number>();
  for (const l of hold.lots) lots.set(l.lotId, (lots.get(l.lotId) ?? 0) + l.points);
  return Object.assign(gate, { reserved: { memberId: hold.memberId, lots } });
}

export interface AuthorisedSpend {
  readonly mode: 'none' | 'hold' | 'offline';
  /** After the command: posts a hold by pushing at once, or gives it back when nothing was booked. */
  settle(outcome: { readonly booked: boolean }): Promise<void>;
}

const NOTHING: AuthorisedSpend = { mode: 'none', settle: async () => undefined };

/**
 * Runs the command an authorised spend is for, then settles it: the hold is posted (a push at once)
 * when the command booked something new, given back when it failed or only replayed.
 */
export async function runAuthorised<R extends { readonly replayed: boolean }>(authorised: AuthorisedSpend, command: () => R): Promise<R> {
  let result: R;
  try {
    result = command();
  } catch (error) {
    await authorised.settle({ booked: false });
    throw error;
  }
  await authorised.settle({ booked: !result.replayed });
  return result;
}

/**
 * Sets the service's gate for the next spending command. Not enrolled, or nothing to spend: no gate
 * (the program's proofs and limits are all there is).
 */
export async function authoriseSpend(
  service: LoyaltyService,
  request: Parameters<LoyaltyService['spendPreview']>[0],
  options: { readonly secrets: SecretStore; readonly wallNow?: () => number; readonly client?: SyncClient; readonly timeoutMs?: number },
): Promise<AuthorisedSpend> {
  const ledger = service.ledger;
  const wallNow = options.wallNow ?? Date.now;
  service.useSpendingGate(undefined);
  if (!ledger.syncFreshness().enrolled) return NOTHING;
  const { memberId, points } = service.spendPreview(request);
  if (points <= 0) return NOTHING;
  let client = options.client;
  try {
    if (!client) {
      const settings = syncSettings(ledger, options.secrets);
      client = new SyncClient({ baseUrl: settings.serverUrl, credential: settings.credential, timeoutMs: options.timeoutMs ?? HOLD_TIMEOUT_MS });
    }
  } catch {
    client = undefined;
  }
  const ask = async (asked: number): Promise<{ readonly holdId: string; readonly answer: Awaited<ReturnType<SyncClient['hold']>> | null }> => {
    const holdId = toBase64Url(new Uint8Array(randomBytes(12)));
    if (!client) return { holdId, answer: null };
    try {
      return { holdId, answer: await client.hold({ memberId, holdId, points: asked }) };
    } catch (error) {
      // No answer (or a server fault): the counter goes on offline, within its budget.
      if (!isTallyError(error)) throw error;
      return { holdId, answer: null };
    }
  };
  let { holdId, answer } = await ask(points);
  // A return is never refused for the points: it takes back what the server can still reserve (the
  // member may have spent the rest at another counter), and books the rest as uncollected.
  if (request.kind === 'return' && answer !== null && !answer.ok && answer.available > 0) ({ holdId, answer } = await ask(Math.min(points, answer.available)));
  if (request.kind === 'return' && (answer === null || !answer.ok)) {
    // Offline, or nothing left to take back: the service takes nothing back without a hold.
    return NOTHING;
  }
  if (answer === null || !client) {
    service.useSpendingGate(offlineGate(ledger, wallNow));
    return { mode: 'offline', settle: async () => undefined };
  }
  if (!answer.ok) {
    throw new TallyError('spend-limit', `The server shows ${Math.max(0, answer.available)} points available for this member, counting what other counters hold (this spends ${points}): nothing was written`);
  }
  const online = client;
  // The offline budget that covers the spend should its push arrive after the hold lapsed: the
  // current one, fetched now if this terminal has none or it expired (the link is up).
  const cover = holdCover(ledger, wallNow);
  const grant = ledger.offlineGrant();
  if (grant === null || wallNow() + grant.serverOffsetMs >= grant.expiresAt) {
    try {
      const budget = await online.offlineBudget();
      const received = wallNow();
      ledger.transaction(() => ledger.saveOfflineGrant(budget.grant, budget.serverTime - received, received));
    } catch (error) {
      if (!isTallyError(error)) throw error;
      // No budget to be had: the check below refuses with the reason.
    }
  }
  try {
    cover(memberId, answer.hold.points);
  } catch (error) {
    // Not covered: the hold is given back (best effort; else it expires). A return then takes
    // nothing back, as offline (it is booked as uncollected); a spend is refused with the reason.
    await online.voidHold(memberId, holdId).catch(() => undefined);
    if (request.kind === 'return' && isTallyError(error) && error.code === 'spend-cover-limit') return NOTHING;
    throw error;
  }
  // What the server holds of the member first: the spend then draws the lots that are really open.
  const now = wallNow();
  ledger.transaction(() => applyPulled(ledger.db, answer.hold.state, now));
  // The member was erased at another counter since this one last synced: their card is gone here
  // now too. Said as what it is, not as an unknown card; the hold goes back.
  if (answer.hold.state.members[0]?.member.erasedAt != null) {
    await online.voidHold(memberId, holdId).catch(() => undefined);
    // A return takes nothing back from them (the command itself decides what an erased member's return books).
    if (request.kind === 'return') return NOTHING;
    throw new TallyError('member-erased', 'This member asked to be forgotten at another counter: their record and card are now erased here too, so nothing can be spent or earned on them; no sale was booked');
  }
  service.useSpendingGate(holdGate({ holdId, points: answer.hold.points, memberId, lots: answer.hold.lots, cover }));
  return {
    mode: 'hold',
    settle: async ({ booked }) => {
      service.useSpendingGate(undefined);
      try {
        if (booked) await pushOutbox(ledger, online, { now: wallNow });
        else await online.voidHold(memberId, holdId);
      } catch {
        // Best effort: the next sync pushes the spend; an unused hold expires on the server by itself.
      }
    },
  };
}
