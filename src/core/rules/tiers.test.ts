/**
 * Tiers from qualifying spend: calendar years with retention and the two downgrade rules over
 * several years, a late return lowering a tier, and rolling windows with and without retention.
 * Levels throughout: bronze from $0, silver from $250, gold from $500 (New York time).
 */
import { describe, expect, it } from 'vitest';
import { parseProgram } from '../program/parse.js';
import type { Program } from '../program/schema.js';
import type { SpendEntry } from './member-state.js';
import { tierAt, tierIndex } from './tiers.js';

const NY = 'America/New_York';
const at = (iso: string): number => Date.parse(iso);

function program(tiers: Record<string, unknown>): Program {
  return parseProgram(
    {
      format: 1,
      id: 'tiers-test',
      version: 1,
      name: { en: 'Tiers', ko: '등급' },
      currency: 'USD',
      timeZone: NY,
      earn: { rate: { points: 1, per: 100 } },
      tiers: {
        levels: [
          { id: 'bronze', name: { en: 'Bronze', ko: '브론즈' }, minimumSpend: 0, multiplier: 1 },
          { id: 'silver', name: { en: 'Silver', ko: '실버' }, minimumSpend: 25_000, multiplier: 1.25 },
          { id: 'gold', name: { en: 'Gold', ko: '골드' }, minimumSpend: 50_000, multiplier: 1.5 },
        ],
        ...tiers,
      },
    },
    'tiers-test.json',
  );
}

const calendar = (retention: 'next-period' | 'current-period', downgrade: 'one-level' | 'to-qualified'): Program => program({ qualification: { period: 'calendar-year' }, retention, downgrade });
const rolling = (retention: 'next-period' | 'current-period'): Program => program({ qualification: { period: 'rolling-months', months: 12 }, retention });

const ENROLLED = at('2024-01-15T15:00:00Z');
const tier = (p: Program, spend: readonly SpendEntry[], when: string): string | undefined => tierAt(p, spend, ENROLLED, at(when), NY)?.tier.id;

describe('calendar year, retention next-period', () => {
  // $600 in May 2024 (gold), nothing in 2025 or 2026
  const goldIn2024: SpendEntry[] = [{ effectiveAt: at('2024-05-01T16:00:00Z'), amount: 60_000 }];

  it('makes the member gold from the sale and keeps gold through 2025', () => {
    for (const p of [calendar('next-period', 'one-level'), calendar('next-period', 'to-qualified')]) {
      expect(tier(p, goldIn2024, '2024-04-30T16:00:00Z')).toBe('bronze');
      expect(tier(p, goldIn2024, '2024-05-01T16:00:00Z')).toBe('gold');
      expect(tier(p, goldIn2024, '2025-06-01T16:00:00Z')).toBe('gold');
      expect(tier(p, goldIn2024, '2025-12-31T23:00:00Z')).toBe('gold');
    }
  });

  it('drops one level a year with one-level: silver in 2026, bronze in 2027', () => {
    const p = calendar('next-period', 'one-level');
    expect(tier(p, goldIn2024, '2026-01-01T05:00:00Z')).toBe('silver'); // midnight New York, 1 Jan 2026
    expect(tier(p, goldIn2024, '2026-12-31T12:00:00Z')).toBe('silver');
    expect(tier(p, goldIn2024, '2027-06-01T16:00:00Z')).toBe('bronze');
  });

  it('drops to what 2025’s spend supports with to-qualified: bronze in 2026', () => {
    const p = calendar('next-period', 'to-qualified');
    expect(tier(p, goldIn2024, '2026-01-01T05:00:00Z')).toBe('bronze');
  });

  it('changes tier at midnight New York time, not UTC', () => {
    const p = calendar('next-period', 'to-qualified');
    // 23:59 on 31 Dec 2025 in New York is 04:59 UTC on 1 Jan 2026: still gold
    expect(tier(p, goldIn2024, '2026-01-01T04:59:00Z')).toBe('gold');
    expect(tier(p, goldIn2024, '2026-01-01T05:00:00Z')).toBe('bronze');
  });

  it('keeps silver in 2026 under either rule when 2025 earned silver', () => {
    const spend = [...goldIn2024, { effectiveAt: at('2025-08-01T16:00:00Z'), amount: 30_000 }];
    // one-level: max(silver earned, gold held − 1 = silver); to-qualified: silver earned
    expect(tier(calendar('next-period', 'one-level'), spend, '2026-03-01T17:00:00Z')).toBe('silver');
    expect(tier(calendar('next-period', 'to-qualified'), spend, '2026-03-01T17:00:00Z')).toBe('silver');
  });

  it('lets spend this year lift the member above the kept tier', () => {
    const spend = [{ effectiveAt: at('2025-03-01T17:00:00Z'), amount: 30_000 }, { effectiveAt: at('2026-02-01T17:00:00Z'), amount: 55_000 }];
    expect(tier(calendar('next-period', 'to-qualified'), spend, '2026-01-15T17:00:00Z')).toBe('silver'); // kept from 2025
    expect(tier(calendar('next-period', 'to-qualified'), spend, '2026-02-01T17:00:00Z')).toBe('gold'); // $550 this year
  });

  it('reports the spend this year, the period and what is needed for the next tier', () => {
    const spend = [...goldIn2024, { effectiveAt: at('2026-02-01T17:00:00Z'), amount: 10_000 }];
    const status = tierAt(calendar('next-period', 'one-level'), spend, ENROLLED, at('2026-03-01T17:00:00Z'), NY);
    expect(status?.tier.id).toBe('silver');
    expect(status?.index).toBe(1);
    expect(status?.qualifyingSpend).toBe(10_000);
    expect(status?.periodStart).toBe(at('2026-01-01T05:00:00Z'));
    expect(status?.periodEnd).toBe(at('2027-01-01T05:00:00Z'));
    // gold is the next tier; 50000 − 10000 = 40000 more this year
    expect(status?.next).toMatchObject({ tier: { id: 'gold' }, spendNeeded: 40_000 });
  });

  it('has no next tier at the top', () => {
    expect(tierAt(calendar('next-period', 'one-level'), goldIn2024, ENROLLED, at('2024-06-01T16:00:00Z'), NY)?.next).toBeNull();
  });
});

describe('calendar year, retention current-period', () => {
  const p = calendar('current-period', 'to-qualified');

  it('keeps a tier only for the year it was earned in', () => {
    const spend = [{ effectiveAt: at('2024-05-01T16:00:00Z'), amount: 60_000 }];
    expect(tier(p, spend, '2024-12-31T12:00:00Z')).toBe('gold');
    expect(tier(p, spend, '2025-01-01T05:00:00Z')).toBe('bronze');
  });

  it('counts a sale at 23:30 on 31 December (New York) in the old year', () => {
    // 23:30 EST on 31 Dec 2024 = 04:30 UTC on 1 Jan 2025
    const spend = [{ effectiveAt: at('2025-01-01T04:30:00Z'), amount: 60_000 }];
    expect(tier(p, spend, '2025-01-01T04:45:00Z')).toBe('gold');
    const status = tierAt(p, spend, ENROLLED, at('2025-01-01T05:00:00Z'), NY);
    expect(status?.tier.id).toBe('bronze');
    expect(status?.qualifyingSpend).toBe(0);
  });
});

describe('a return booked later lowers the tier', () => {
  const p = calendar('next-period', 'to-qualified');
  const SALE = at('2025-10-01T16:00:00Z');
  // $550 in October 2025: gold for 2025 and kept for 2026
  const sale: SpendEntry[] = [{ effectiveAt: SALE, amount: 55_000 }];
  // $100 returned in February 2026: booked then, but counted at the sale's time
  const withReturn: SpendEntry[] = [...sale, { effectiveAt: SALE, amount: -10_000 }];

  it('makes 2025 a silver year ($450), so 2026 is silver', () => {
    expect(tier(p, sale, '2026-03-01T17:00:00Z')).toBe('gold');
    expect(tier(p, withReturn, '2026-03-01T17:00:00Z')).toBe('silver');
    expect(tierAt(p, withReturn, ENROLLED, at('2025-12-01T17:00:00Z'), NY)?.qualifyingSpend).toBe(45_000); // 55000 − 10000
  });

  it('ignores entries effective after the moment asked about', () => {
    const later: SpendEntry[] = [{ effectiveAt: at('2026-05-01T16:00:00Z'), amount: 60_000 }];
    expect(tier(p, later, '2026-04-30T16:00:00Z')).toBe('bronze');
  });
});

describe('rolling 12-month window', () => {
  // $150 on 10 March 2025 and $150 on 10 June 2025: $300 (silver) from 10 June
  const spend: SpendEntry[] = [
    { effectiveAt: at('2025-03-10T16:00:00Z'), amount: 15_000 },
    { effectiveAt: at('2025-06-10T16:00:00Z'), amount: 15_000 },
  ];

  it('counts the trailing twelve months only (retention current-period)', () => {
    const p = rolling('current-period');
    expect(tier(p, spend, '2025-06-10T15:59:00Z')).toBe('bronze'); // $150 so far
    expect(tier(p, spend, '2025-06-10T16:00:00Z')).toBe('silver'); // $300
    // window from 9 Mar 2025 (local midnight): both sales → silver
    expect(tier(p, spend, '2026-03-09T16:00:00Z')).toBe('silver');
    // window from 11 Mar 2025: only June's $150 → bronze
    const status = tierAt(p, spend, ENROLLED, at('2026-03-11T16:00:00Z'), NY);
    expect(status?.tier.id).toBe('bronze');
    expect(status?.qualifyingSpend).toBe(15_000);
    expect(status?.periodStart).toBe(at('2025-03-11T04:00:00Z')); // midnight EDT
    expect(status?.periodEnd).toBeNull();
  });

  it('keeps a level reached within the window (retention next-period)', () => {
    const p = rolling('next-period');
    // on 11 Mar 2026 the June sale is in the window, and at that sale the window held $300 → silver kept
    expect(tier(p, spend, '2026-03-11T16:00:00Z')).toBe('silver');
    expect(tierAt(p, spend, ENROLLED, at('2026-03-11T16:00:00Z'), NY)?.qualifyingSpend).toBe(15_000);
    // once the June sale leaves the window (from 11 Jun 2026) nothing holds it
    expect(tier(p, spend, '2026-06-11T16:00:00Z')).toBe('bronze');
  });

  it('does not keep a level that a later return (at the sale’s time) took away', () => {
    const p = rolling('next-period');
    const returned = [...spend, { effectiveAt: at('2025-06-10T16:00:00Z'), amount: -5_000 }];
    // at the June sale the window now holds 15000 + 15000 − 5000 = 25000: still exactly silver
    expect(tier(p, returned, '2026-03-11T16:00:00Z')).toBe('silver');
    const more = [...spend, { effectiveAt: at('2025-06-10T16:00:00Z'), amount: -5_001 }];
    // 24999 < 25000: never silver
    expect(tier(p, more, '2025-06-10T16:00:00Z')).toBe('bronze');
    expect(tier(p, more, '2026-03-11T16:00:00Z')).toBe('bronze');
  });
});

describe('tierIndex and programs without tiers', () => {
  it('finds a level’s index, or −1', () => {
    const p = calendar('next-period', 'one-level');
    expect(tierIndex(p, 'bronze')).toBe(0);
    expect(tierIndex(p, 'gold')).toBe(2);
    expect(tierIndex(p, 'platinum')).toBe(-1);
  });

  it('gives null without tiers', () => {
    const p = parseProgram({ format: 1, id: 'flat', version: 1, name: { en: 'F', ko: 'F' }, currency: 'USD', earn: { rate: { points: 1, per: 100 } } }, 'flat.json');
    expect(tierAt(p, [], ENROLLED, at('2026-01-01T00:00:00Z'), NY)).toBeNull();
    expect(tierIndex(p, 'gold')).toBe(-1);
  });
});
