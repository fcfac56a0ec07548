/**
 * What time brings: expiry (one transfer per member per local day), monthly membership credits,
 * yearly rewards and rebates, tier reviews, membership lapses and birthdays — each booked once
 * under a deterministic id, so two terminals that see the member compute the same entries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deterministicUuid } from '../ids.js';
import type { PlannedTransfer } from '../ledger-model.js';
import { parseProgram, parseProgramText } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import { planPeriodic } from './commands.js';
import { lotExpiry } from './lots.js';
import type { MemberState, OpenLot, RuleContext } from './member-state.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const raw = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8')) as Record<string, unknown>;
const example = (name: string): Program => parseProgramText(readFileSync(join(PROGRAMS, `${name}.json`), 'utf8'), `${name}.json`);
const classic = example('classic-krw'); // Seoul; 24 months to month end; birthday month window
const sporting = example('sporting-goods-usd'); // New York; 12 months; gold yearly; birthday day window
const plus = example('plus-membership-charity'); // Los Angeles; fixed-date 31 Dec +1 year; Plus plans

const at = (iso: string): number => Date.parse(iso);
const uuid = (kind: string, period: string): string => deterministicUuid(`m:M1:${kind}:${period}`);

function ctxAt(program: Program, now: number, prefix = 'id'): RuleContext {
  let n = 0;
  return { program, now, timeZone: program.timeZone ?? 'UTC', storeId: 'S1', newId: () => `${prefix}-${(n += 1)}` };
}

function member(over: Partial<Omit<MemberState, 'balance'>> = {}): MemberState {
  const lots = over.lots ?? [];
  return { id: 'M1', enrolledAt: at('2025-01-10T15:00:00Z'), birthday: null, lots, spend: [], memberships: [], booked: new Set(), expiredFrom: new Map(), ...over, balance: lots.reduce((s, l) => s + l.remaining, 0) };
}

const lot = (id: string, remaining: number, expiresAt: number | null, earnedAt: number): OpenLot => ({ id, remaining, expiresAt, earnedAt, sourceTransferId: `t-${id}` });
const ofKind = (transfers: readonly PlannedTransfer[], kind: string): PlannedTransfer[] => transfers.filter((t) => t.kind === kind);
const withProgram = (name: string, edit: (p: Record<string, unknown>) => void): Program => {
  const p = structuredClone(raw(name));
  edit(p);
  return parseProgram(p, `${name}+edit.json`);
};

describe('lotExpiry', () => {
  it('after 12 months, at the start of the same day (sporting-goods)', () => {
    // earned 10 Jun 2025 (New York) → usable through 9 Jun 2026, gone at 00:00 EDT on 10 Jun 2026
    expect(lotExpiry(sporting, at('2025-06-10T16:00:00Z'), 'America/New_York')).toBe(at('2026-06-10T04:00:00Z'));
    // earned 29 Feb 2024 → 28 Feb 2025 (clamped), 00:00 EST
    expect(lotExpiry(sporting, at('2024-02-29T17:00:00Z'), 'America/New_York')).toBe(at('2025-02-28T05:00:00Z'));
  });

  it('after 24 months to the end of that month (classic-krw)', () => {
    // earned 26 Nov 2026 (Seoul) → Nov 2028 → gone at 00:00 KST on 1 Dec 2028
    expect(lotExpiry(classic, at('2026-11-26T03:00:00Z'), 'Asia/Seoul')).toBe(at('2028-11-30T15:00:00Z'));
    // earned 31 Jan 2026 → Jan 2028 → gone at 00:00 KST on 1 Feb 2028
    expect(lotExpiry(classic, at('2026-01-31T03:00:00Z'), 'Asia/Seoul')).toBe(at('2028-01-31T15:00:00Z'));
    // 23:30 KST on 30 Nov 2026 still counts as November 2026
    expect(lotExpiry(classic, at('2026-11-30T14:30:00Z'), 'Asia/Seoul')).toBe(at('2028-11-30T15:00:00Z'));
  });

  it('on a fixed date: 31 December of the following year (plus)', () => {
    // anything earned in 2026 → usable through 31 Dec 2027, gone at 00:00 PST on 1 Jan 2028
    expect(lotExpiry(plus, at('2026-05-03T19:00:00Z'), 'America/Los_Angeles')).toBe(at('2028-01-01T08:00:00Z'));
    expect(lotExpiry(plus, at('2027-01-01T07:59:00Z'), 'America/Los_Angeles')).toBe(at('2028-01-01T08:00:00Z')); // 23:59 PST 31 Dec 2026
  });

  it('on a fixed date the same year, or the next if it has passed (yearsAfter 0)', () => {
    const march = withProgram('plus-membership-charity', (p) => (p['expiry'] = { type: 'fixed-date', month: 3, day: 31, yearsAfter: 0 }));
    expect(lotExpiry(march, at('2026-02-01T20:00:00Z'), 'America/Los_Angeles')).toBe(at('2026-04-01T07:00:00Z')); // 00:00 PDT 1 Apr 2026
    expect(lotExpiry(march, at('2026-05-01T19:00:00Z'), 'America/Los_Angeles')).toBe(at('2027-04-01T07:00:00Z')); // passed → 2027
  });

  it('on 29 February, which becomes the 28th in a common year', () => {
    const leap = withProgram('plus-membership-charity', (p) => (p['expiry'] = { type: 'fixed-date', month: 2, day: 29, yearsAfter: 1 }));
    expect(lotExpiry(leap, at('2026-05-01T19:00:00Z'), 'America/Los_Angeles')).toBe(at('2027-03-01T08:00:00Z')); // last day 28 Feb 2027
    expect(lotExpiry(leap, at('2027-05-01T19:00:00Z'), 'America/Los_Angeles')).toBe(at('2028-03-01T08:00:00Z')); // last day 29 Feb 2028
  });

  it('never, when the program says so', () => {
    const never = withProgram('plus-membership-charity', (p) => (p['expiry'] = { type: 'never' }));
    expect(lotExpiry(never, at('2026-05-01T19:00:00Z'), 'America/Los_Angeles')).toBeNull();
  });
});

describe('expiry', () => {
  const DUE = at('2026-06-10T04:00:00Z'); // 00:00 EDT on 10 June 2026
  const lots = [
    lot('L3', 500, at('2026-07-01T04:00:00Z'), at('2025-07-01T16:00:00Z')),
    lot('L2', 200, DUE, at('2025-06-10T20:00:00Z')),
    lot('L1', 300, DUE, at('2025-06-10T16:00:00Z')),
  ];

  it('books one expiry transfer for everything due that day, with the id of (member, expiry, day)', () => {
    const plan = planPeriodic(member({ lots }), ctxAt(sporting, at('2026-06-10T15:00:00Z')));
    expect(plan.transfers).toEqual([
      {
        id: uuid('expiry', '2026-06-10'),
        kind: 'expiry',
        unit: 'points',
        amount: 500, // 300 + 200; L3 is not due until July
        debit: 'member:M1',
        credit: 'expired',
        memberId: 'M1',
        key: { type: 'period', kind: 'expiry', period: '2026-06-10' },
        moneyAmount: null,
        effectiveAt: at('2026-06-10T15:00:00Z'),
        earnRate: null,
        detail: {
          lots: [
            { lotId: 'L2', points: 200, expiresAt: DUE },
            { lotId: 'L1', points: 300, expiresAt: DUE },
          ],
        },
        lotsGranted: [],
        lotsDrawn: [
          { lotId: 'L1', points: 300 }, // same expiry: earned first, drawn first
          { lotId: 'L2', points: 200 },
        ],
      },
    ]);
    expect(plan.view.balance).toBe(500);
    expect(plan.view.lots.map((l) => l.id)).toEqual(['L3']);
  });

  it('expires only what is left of a partly used lot', () => {
    const used = member({ lots: [lot('L1', 120, DUE, at('2025-06-10T16:00:00Z'))] });
    expect(planPeriodic(used, ctxAt(sporting, at('2026-06-10T15:00:00Z'))).transfers[0]?.amount).toBe(120);
  });

  it('treats the expiry instant as expired and a millisecond before as usable', () => {
    expect(planPeriodic(member({ lots }), ctxAt(sporting, DUE)).transfers[0]?.amount).toBe(500);
    expect(planPeriodic(member({ lots }), ctxAt(sporting, DUE - 1)).transfers).toEqual([]);
  });

  it('books nothing a second time that day', () => {
    const first = planPeriodic(member({ lots }), ctxAt(sporting, at('2026-06-10T15:00:00Z')));
    expect(planPeriodic(first.view, ctxAt(sporting, at('2026-06-10T22:00:00Z'))).transfers).toEqual([]);
    // and a member whose expiry is already booked for the day (by another terminal) gets none either
    const bookedElsewhere = member({ lots, booked: new Set(['expiry|2026-06-10']) });
    expect(planPeriodic(bookedElsewhere, ctxAt(sporting, at('2026-06-10T22:00:00Z'))).transfers).toEqual([]);
  });

  it('catches up several days’ lots in one transfer on the day the member is next seen', () => {
    // 23:30 EDT on 1 July is 03:30 UTC on 2 July: the local day is 1 July
    const plan = planPeriodic(member({ lots }), ctxAt(sporting, at('2026-07-02T03:30:00Z')));
    expect(plan.transfers.map((t) => [t.amount, t.key])).toEqual([[1_000, { type: 'period', kind: 'expiry', period: '2026-07-01' }]]);
  });
});

describe('monthly membership credits (plus-annual: 200 points a month)', () => {
  // bought 15 Jan 2026 12:00 PST; one year to 00:00 PST on 15 Jan 2027
  const annual = { planId: 'plus-annual', startsAt: at('2026-01-15T20:00:00Z'), endsAt: at('2027-01-15T08:00:00Z') };
  const holder = member({ enrolledAt: at('2026-01-10T20:00:00Z'), memberships: [annual] });
  const MARCH_20 = at('2026-03-20T19:00:00Z'); // 12:00 PDT

  it('credits each membership month so far, effective on its monthly anniversary', () => {
    const credits = ofKind(planPeriodic(holder, ctxAt(plus, MARCH_20)).transfers, 'membership-credit');
    expect(credits.map((t) => [t.id, t.amount, t.key, t.effectiveAt, t.detail])).toEqual([
      [uuid('membership-credit', '2026-01'), 200, { type: 'period', kind: 'membership-credit', period: '2026-01' }, annual.startsAt, { planId: 'plus-annual', month: '2026-01' }],
      // 15 Feb 00:00 PST and 15 Mar 00:00 PDT (daylight time began 8 March)
      [uuid('membership-credit', '2026-02'), 200, { type: 'period', kind: 'membership-credit', period: '2026-02' }, at('2026-02-15T08:00:00Z'), { planId: 'plus-annual', month: '2026-02' }],
      [uuid('membership-credit', '2026-03'), 200, { type: 'period', kind: 'membership-credit', period: '2026-03' }, at('2026-03-15T07:00:00Z'), { planId: 'plus-annual', month: '2026-03' }],
    ]);
    // credits earned in 2026 expire with the rest of 2026's points: 00:00 PST on 1 Jan 2028
    expect(credits.every((t) => t.lotsGranted[0]?.expiresAt === at('2028-01-01T08:00:00Z'))).toBe(true);
    expect(credits.every((t) => t.debit === 'issuance' && t.credit === 'member:M1')).toBe(true);
  });

  it('never credits a month twice', () => {
    const first = planPeriodic(holder, ctxAt(plus, MARCH_20));
    expect(ofKind(planPeriodic(first.view, ctxAt(plus, MARCH_20 + 3_600_000)).transfers, 'membership-credit')).toEqual([]);
    const twoBooked = { ...holder, booked: new Set(['membership-credit|2026-01', 'membership-credit|2026-02']) };
    expect(ofKind(planPeriodic(twoBooked, ctxAt(plus, MARCH_20)).transfers, 'membership-credit').map((t) => t.key)).toEqual([{ type: 'period', kind: 'membership-credit', period: '2026-03' }]);
  });

  it('gives nothing for plans without a monthly credit or not yet started', () => {
    const monthly = member({ memberships: [{ planId: 'plus-monthly', startsAt: at('2026-01-15T20:00:00Z'), endsAt: at('2026-02-15T08:00:00Z') }] });
    expect(ofKind(planPeriodic(monthly, ctxAt(plus, MARCH_20)).transfers, 'membership-credit')).toEqual([]);
    const future = member({ memberships: [{ ...annual, startsAt: at('2026-04-01T07:00:00Z') }] });
    expect(ofKind(planPeriodic(future, ctxAt(plus, MARCH_20)).transfers, 'membership-credit')).toEqual([]);
  });

  it('gives a one-month plan with a monthly credit one credit, not two', () => {
    // A monthly plan bought 15 Jan (12:00 PST) covers 15 Jan – 15 Feb: one paid month, one credit.
    // Keyed by calendar month, it touches January and February and is credited for both.
    const credited = withProgram('plus-membership-charity', (p) => {
      const plans = p['memberships'] as { perks: Record<string, unknown> }[];
      plans[0]!.perks['monthlyCredit'] = 300;
    });
    const oneMonth = member({ memberships: [{ planId: 'plus-monthly', startsAt: at('2026-01-15T20:00:00Z'), endsAt: at('2026-02-15T08:00:00Z') }] });
    const credits = ofKind(planPeriodic(oneMonth, ctxAt(credited, MARCH_20)).transfers, 'membership-credit');
    expect(credits.reduce((s, t) => s + t.amount, 0)).toBe(300);
  });

  it('gives a year of plus-annual twelve monthly credits, not thirteen', () => {
    // 15 Jan 2026 – 15 Jan 2027 is twelve paid months, but it touches thirteen calendar months (Jan 2026 … Jan 2027),
    // and each calendar month touched is credited: a 13th credit of 200 points for the same $49 fee.
    const credits = ofKind(planPeriodic(holder, ctxAt(plus, at('2027-03-01T20:00:00Z'))).transfers, 'membership-credit');
    expect(credits).toHaveLength(12);
  });
});

describe('annual rewards', () => {
  it('gives gold members 1,000 points for 2025, effective at the start of 2026 (New York)', () => {
    const gold = member({ spend: [{ effectiveAt: at('2025-04-01T16:00:00Z'), amount: 60_000 }] });
    const plan = planPeriodic(gold, ctxAt(sporting, at('2026-01-05T17:00:00Z')));
    const rewards = ofKind(plan.transfers, 'annual-reward');
    expect(rewards).toHaveLength(1);
    expect(rewards[0]).toMatchObject({
      id: uuid('annual-reward:gold-yearly', '2025'),
      amount: 1_000,
      debit: 'issuance',
      credit: 'member:M1',
      key: { type: 'period', kind: 'annual-reward:gold-yearly', period: '2025' },
      effectiveAt: at('2026-01-01T05:00:00Z'),
      detail: { rewardId: 'gold-yearly', year: 2025 },
      // 12 months from 1 Jan 2026: gone at 00:00 EST on 1 Jan 2027
      lotsGranted: [{ points: 1_000, earnedAt: at('2026-01-01T05:00:00Z'), expiresAt: at('2027-01-01T05:00:00Z') }],
    });
  });

  it('gives it for each year ended with gold held, once per year', () => {
    const gold = member({ spend: [{ effectiveAt: at('2025-04-01T16:00:00Z'), amount: 60_000 }] });
    // gold kept through 2026 (next-period retention) → 2025 and 2026 both qualify
    expect(ofKind(planPeriodic(gold, ctxAt(sporting, at('2027-01-05T17:00:00Z'))).transfers, 'annual-reward').map((t) => t.key)).toEqual([
      { type: 'period', kind: 'annual-reward:gold-yearly', period: '2025' },
      { type: 'period', kind: 'annual-reward:gold-yearly', period: '2026' },
    ]);
    const paid2025 = { ...gold, booked: new Set(['annual-reward:gold-yearly|2025']) };
    expect(ofKind(planPeriodic(paid2025, ctxAt(sporting, at('2027-01-05T17:00:00Z'))).transfers, 'annual-reward').map((t) => t.key)).toEqual([
      { type: 'period', kind: 'annual-reward:gold-yearly', period: '2026' },
    ]);
    // not during the year itself
    expect(ofKind(planPeriodic(gold, ctxAt(sporting, at('2025-12-31T23:00:00Z'))).transfers, 'annual-reward')).toEqual([]);
  });

  it('gives a silver member nothing', () => {
    const silver = member({ spend: [{ effectiveAt: at('2025-04-01T16:00:00Z'), amount: 30_000 }] });
    expect(ofKind(planPeriodic(silver, ctxAt(sporting, at('2026-01-05T17:00:00Z'))).transfers, 'annual-reward')).toEqual([]);
  });

  it('pays the Plus rebate: 2% of the year’s qualifying spend, at 1 point per $1', () => {
    const annual = { planId: 'plus-annual', startsAt: at('2025-03-01T20:00:00Z'), endsAt: at('2026-03-01T08:00:00Z') };
    const spend = [
      { effectiveAt: at('2025-05-10T19:00:00Z'), amount: 100_000 },
      { effectiveAt: at('2025-11-20T20:00:00Z'), amount: 23_456 },
      { effectiveAt: at('2026-01-03T20:00:00Z'), amount: 5_000 }, // 2026: not counted
    ];
    const shopper = member({ enrolledAt: at('2025-02-01T20:00:00Z'), memberships: [annual], spend });
    const rebates = ofKind(planPeriodic(shopper, ctxAt(plus, at('2026-01-10T20:00:00Z'))).transfers, 'annual-reward');
    // 123456 × 2% = 2469.12 → 2469 cents → 24 points
    expect(rebates.map((t) => [t.amount, t.key, t.detail])).toEqual([
      [24, { type: 'period', kind: 'annual-reward:plus-rebate', period: '2025' }, { rewardId: 'plus-rebate', year: 2025, rebatePercent: 2, qualifyingSpend: 123_456 }],
    ]);
    expect(ofKind(planPeriodic({ ...shopper, booked: new Set(['annual-reward:plus-rebate|2025']) }, ctxAt(plus, at('2026-01-10T20:00:00Z'))).transfers, 'annual-reward')).toEqual([]);
  });

  it('pays no rebate without an annual or lifetime plan held at the end of the year', () => {
    const spend = [{ effectiveAt: at('2025-05-10T19:00:00Z'), amount: 100_000 }];
    const monthly = member({ enrolledAt: at('2025-02-01T20:00:00Z'), spend, memberships: [{ planId: 'plus-monthly', startsAt: at('2025-12-10T20:00:00Z'), endsAt: at('2026-01-10T08:00:00Z') }] });
    expect(ofKind(planPeriodic(monthly, ctxAt(plus, at('2026-01-10T20:00:00Z'))).transfers, 'annual-reward')).toEqual([]);
    const lapsed = member({ enrolledAt: at('2025-02-01T20:00:00Z'), spend, memberships: [{ planId: 'plus-annual', startsAt: at('2024-10-01T19:00:00Z'), endsAt: at('2025-10-01T07:00:00Z') }] });
    expect(ofKind(planPeriodic(lapsed, ctxAt(plus, at('2026-01-10T20:00:00Z'))).transfers, 'annual-reward')).toEqual([]);
    const lifetime = member({ enrolledAt: at('2025-02-01T20:00:00Z'), spend, memberships: [{ planId: 'plus-lifetime', startsAt: at('2025-12-31T20:00:00Z'), endsAt: null }] });
    expect(ofKind(planPeriodic(lifetime, ctxAt(plus, at('2026-01-10T20:00:00Z'))).transfers, 'annual-reward').map((t) => t.amount)).toEqual([20]); // 100000 × 2% = 2000 cents → 20
  });
});

describe('tier reviews and membership lapses', () => {
  it('records a tier review for each new year: gold kept in 2025, silver from 2026 (one-level)', () => {
    const m = member({ enrolledAt: at('2024-03-01T17:00:00Z'), spend: [{ effectiveAt: at('2024-05-01T16:00:00Z'), amount: 60_000 }] });
    const plan = planPeriodic(m, ctxAt(sporting, at('2026-02-01T17:00:00Z')));
    expect(plan.events.filter((e) => e.kind === 'tier-review')).toEqual([
      { id: uuid('tier-review', '2025'), kind: 'tier-review', memberId: 'M1', period: '2025', detail: { year: 2025, previousTier: 'gold', tier: 'gold', qualifyingSpend: 60_000 } },
      { id: uuid('tier-review', '2026'), kind: 'tier-review', memberId: 'M1', period: '2026', detail: { year: 2026, previousTier: 'gold', tier: 'silver', qualifyingSpend: 0 } },
    ]);
    expect(plan.isBooked('tier-review', '2026')).toBe(true);
    expect(planPeriodic(plan.view, ctxAt(sporting, at('2026-02-02T17:00:00Z'))).events).toEqual([]);
  });

  it('records no tier review for rolling windows', () => {
    const rolling = withProgram('sporting-goods-usd', (p) => {
      const tiers = p['tiers'] as Record<string, unknown>;
      tiers['qualification'] = { period: 'rolling-months', months: 12 };
      tiers['downgrade'] = 'to-qualified';
    });
    const m = member({ enrolledAt: at('2024-03-01T17:00:00Z') });
    expect(planPeriodic(m, ctxAt(rolling, at('2026-02-01T17:00:00Z'))).events).toEqual([]);
  });

  it('records a lapse when a plan ends without renewal, once', () => {
    // plus-monthly from 15 Jan to 00:00 PST on 15 Feb 2026
    const period = { planId: 'plus-monthly', startsAt: at('2026-01-15T20:00:00Z'), endsAt: at('2026-02-15T08:00:00Z') };
    const m = member({ enrolledAt: at('2026-01-10T20:00:00Z'), memberships: [period] });
    const plan = planPeriodic(m, ctxAt(plus, at('2026-03-01T20:00:00Z')));
    expect(plan.events).toEqual([
      { id: uuid('membership-lapse', 'plus-monthly:2026-02-15'), kind: 'membership-lapse', memberId: 'M1', period: 'plus-monthly:2026-02-15', detail: { planId: 'plus-monthly', endedAt: period.endsAt } },
    ]);
    expect(planPeriodic(plan.view, ctxAt(plus, at('2026-03-02T20:00:00Z'))).events).toEqual([]);
    // not before it ends
    expect(planPeriodic(m, ctxAt(plus, period.endsAt - 1)).events).toEqual([]);
  });

  it('records no lapse when the plan was renewed back to back', () => {
    const m = member({
      enrolledAt: at('2026-01-10T20:00:00Z'),
      memberships: [
        { planId: 'plus-monthly', startsAt: at('2026-01-15T20:00:00Z'), endsAt: at('2026-02-15T08:00:00Z') },
        { planId: 'plus-monthly', startsAt: at('2026-02-15T08:00:00Z'), endsAt: at('2026-03-15T07:00:00Z') },
      ],
    });
    expect(planPeriodic(m, ctxAt(plus, at('2026-03-01T20:00:00Z'))).events).toEqual([]);
  });
});

describe('birthdays', () => {
  it('credits 200 points any day of the birthday month in classic-krw, once a year', () => {
    const m = member({ birthday: { month: 11, day: 3 } });
    const plan = planPeriodic(m, ctxAt(classic, at('2026-11-26T03:00:00Z')));
    expect(plan.transfers.map((t) => [t.id, t.kind, t.amount, t.key])).toEqual([[uuid('birthday', '2026'), 'birthday', 200, { type: 'period', kind: 'birthday', period: '2026' }]]);
    expect(planPeriodic(plan.view, ctxAt(classic, at('2026-11-28T03:00:00Z'))).transfers).toEqual([]);
    expect(planPeriodic(m, ctxAt(classic, at('2026-12-01T03:00:00Z'))).transfers).toEqual([]);
    expect(planPeriodic(m, ctxAt(classic, at('2026-10-31T14:59:00Z'))).transfers).toEqual([]); // 23:59 KST 31 Oct
    expect(planPeriodic(m, ctxAt(classic, at('2026-10-31T15:00:00Z'))).transfers.map((t) => t.kind)).toEqual(['birthday']); // 00:00 KST 1 Nov
    expect(planPeriodic(plan.view, ctxAt(classic, at('2027-11-02T03:00:00Z'))).transfers.map((t) => t.key)).toEqual([{ type: 'period', kind: 'birthday', period: '2027' }]);
  });

  it('credits only on the day in sporting-goods, and a 29 February birthday on the 28th in common years', () => {
    const leapling = member({ birthday: { month: 2, day: 29 } });
    const noon = (day: string): number => at(`${day}T17:00:00Z`); // 12:00 EST
    expect(planPeriodic(leapling, ctxAt(sporting, noon('2027-02-28'))).transfers.map((t) => t.kind)).toEqual(['birthday']);
    expect(planPeriodic(leapling, ctxAt(sporting, noon('2027-03-01'))).transfers).toEqual([]);
    expect(planPeriodic(leapling, ctxAt(sporting, noon('2028-02-28'))).transfers).toEqual([]); // 2028 has a 29th
    expect(planPeriodic(leapling, ctxAt(sporting, noon('2028-02-29'))).transfers.map((t) => t.kind)).toEqual(['birthday']);
  });

  it('credits only the tiers named, when the program names some', () => {
    const goldOnly = withProgram('sporting-goods-usd', (p) => {
      const bonuses = p['bonuses'] as Record<string, unknown>;
      bonuses['birthday'] = { points: 200, window: 'day', tiers: ['gold'] };
    });
    const birthday = at('2026-06-10T16:00:00Z');
    const bronze = member({ birthday: { month: 6, day: 10 } });
    const gold = member({ birthday: { month: 6, day: 10 }, spend: [{ effectiveAt: at('2026-03-01T17:00:00Z'), amount: 60_000 }] });
    expect(ofKind(planPeriodic(bronze, ctxAt(goldOnly, birthday)).transfers, 'birthday')).toEqual([]);
    expect(ofKind(planPeriodic(gold, ctxAt(goldOnly, birthday)).transfers, 'birthday').map((t) => t.amount)).toEqual([200]);
  });

  it('credits nothing to a member without a birthday on file', () => {
    expect(planPeriodic(member(), ctxAt(classic, at('2026-11-26T03:00:00Z'))).transfers).toEqual([]);
  });
});

describe('two terminals, same member, same day', () => {
  it('compute identical entries with identical ids, whatever their own id generators say', () => {
    // Due at once: expiry, a yearly gold reward, tier reviews and a birthday (sporting-goods, 10 June 2026)
    const m = member({
      enrolledAt: at('2024-03-01T17:00:00Z'),
      birthday: { month: 6, day: 10 },
      spend: [{ effectiveAt: at('2025-04-01T16:00:00Z'), amount: 60_000 }],
      lots: [lot('L1', 300, at('2026-06-10T04:00:00Z'), at('2025-06-10T16:00:00Z')), lot('L2', 80, at('2026-12-01T05:00:00Z'), at('2025-12-01T17:00:00Z'))],
    });
    const now = at('2026-06-10T16:00:00Z');
    const a = planPeriodic(m, ctxAt(sporting, now, 'terminal-a'));
    const b = planPeriodic(m, ctxAt(sporting, now, 'terminal-b'));
    expect(a.transfers.map((t) => t.kind)).toEqual(['annual-reward', 'expiry', 'birthday']);
    expect(a.events.map((e) => e.period)).toEqual(['2025', '2026']);
    expect(b.transfers).toEqual(a.transfers);
    expect(b.events).toEqual(a.events);
    expect(a.transfers.every((t) => !t.id.startsWith('terminal-'))).toBe(true);
    // the 2025 gold reward: 1,000 points
    expect(a.transfers[0]).toMatchObject({ id: uuid('annual-reward:gold-yearly', '2025'), amount: 1_000 });
  });
});
