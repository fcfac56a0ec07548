/**
 * The program schema: the three example programs parse (with their defaults filled in), and each
 * kind of mistake a manager can make gives one 'invalid-program' error whose problems name the
 * file, the exact path and a reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTallyError, type TallyError } from '../errors.js';
import { parseProgram, parseProgramText } from './parse.js';

const PROGRAMS = join(import.meta.dirname, '..', '..', '..', 'resources', 'programs');
const text = (name: string): string => readFileSync(join(PROGRAMS, `${name}.json`), 'utf8');
const json = (name: string): Record<string, unknown> => JSON.parse(text(name)) as Record<string, unknown>;

const SOURCE = 'programs/broken.json';

/** Raw program JSON that a test breaks by poking at arbitrary paths. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- broken programs are untyped on purpose
type Raw = Record<string, any>;

/** Deep-clones an example program, lets `edit` break it, and returns the error the parser throws. */
function refusal(name: string, edit: (p: Raw) => void): TallyError {
  const program = structuredClone(json(name)) as Raw;
  edit(program);
  try {
    parseProgram(program, SOURCE);
  } catch (error) {
    if (isTallyError(error)) return error;
    throw error;
  }
  throw new Error('the broken program was accepted');
}

function problems(error: TallyError): string[] {
  return (error.details?.['problems'] as string[] | undefined) ?? [];
}

describe('the example programs', () => {
  it('parses classic-krw with its defaults filled in', () => {
    const p = parseProgramText(text('classic-krw'), 'classic-krw.json');
    expect(p.id).toBe('classic-krw');
    expect(p.currency).toBe('KRW');
    expect(p.timeZone).toBe('Asia/Seoul');
    expect(p.earn.rate).toEqual({ points: 1, per: 1000 });
    expect(p.earn.stacking).toBe('additive'); // default
    expect(p.earn.earnOnDiscountedSpend).toBe(false); // default
    expect(p.earn.minimumSpend).toBe(0); // default
    expect(p.earn.multipliers).toEqual([{ category: 'house-brand', multiplier: 2 }]);
    expect(p.redemption.pointValue).toEqual({ points: 1, amount: 10 });
    expect(p.expiry).toEqual({ type: 'after-months', months: 24, endOfMonth: true });
    expect(p.bonuses.days[0]).toMatchObject({ type: 'store-wide', weekdays: [3], dates: [], minimumSpend: 0 });
    expect(p.memberships).toEqual([]);
    expect(p.tiers).toBeUndefined();
  });

  it('parses sporting-goods-usd with tiers, member-choice and store-wide bonus days', () => {
    const p = parseProgramText(text('sporting-goods-usd'), 'sporting-goods-usd.json');
    expect(p.tiers?.levels.map((l) => [l.id, l.minimumSpend, l.multiplier])).toEqual([
      ['bronze', 0, 1],
      ['silver', 25_000, 1.25],
      ['gold', 50_000, 1.5],
    ]);
    expect(p.tiers?.downgrade).toBe('one-level');
    expect(p.bonuses.days.map((d) => d.type)).toEqual(['member-choice', 'store-wide']);
    expect(p.redemption.pointValue).toBeUndefined();
    expect(p.redemption.maxBasketShare).toBe(100);
    expect(p.returns.uncollected).toBe('write-off');
    expect(p.expiringSoonDays).toBe(30); // default
  });

  it('parses plus-membership-charity with three plans, charities and a rebate', () => {
    const p = parseProgramText(text('plus-membership-charity'), 'plus-membership-charity.json');
    expect(p.memberships.map((m) => [m.id, m.period, m.fee])).toEqual([
      ['plus-monthly', 'monthly', 599],
      ['plus-annual', 'annual', 4900],
      ['plus-lifetime', 'lifetime', 29900],
    ]);
    expect(p.memberships[1]?.perks).toEqual({ earnMultiplier: 2, percentOff: 5, monthlyCredit: 200 });
    expect(p.charities.map((c) => c.id)).toEqual(['food-bank', 'red-cross']);
    expect(p.annualRewards[0]).toMatchObject({ id: 'plus-rebate', rebatePercent: 2 });
    expect(p.expiry).toEqual({ type: 'fixed-date', month: 12, day: 31, yearsAfter: 1 });
  });

  it('fills every default for a minimal program', () => {
    const p = parseProgram({ format: 1, id: 'mini', version: 1, name: { en: 'Mini', ko: '미니' }, currency: 'USD', earn: { rate: { points: 1, per: 100 } } }, 'mini.json');
    expect(p.earn).toMatchObject({ rounding: 'floor', tax: 'exclude', excludedCategories: [], excludedSkus: [], multipliers: [], spendThresholds: [] });
    expect(p.redemption).toEqual({ minimumPoints: 0, step: 1, maxBasketShare: 100, catalogue: [] });
    expect(p.bonuses).toEqual({ actions: [], days: [] });
    expect(p.expiry).toEqual({ type: 'never' });
    expect(p.donation).toEqual({ minimumPoints: 1, step: 1 });
    expect(p.returns).toEqual({ uncollected: 'deduct-from-refund' });
    expect(p.timeZone).toBeUndefined();
  });
});

describe('broken programs', () => {
  // [what is wrong, example to start from, the edit, the exact path, a fragment of the reason]
  const cases: [string, string, (p: Raw) => void, string, string | RegExp][] = [
    ['a rate per 0 minor units', 'classic-krw', (p) => (p['earn'].rate.per = 0), 'earn.rate.per', 'must be greater than zero'],
    ['fractional points in a rate', 'classic-krw', (p) => (p['earn'].rate.points = 1.5), 'earn.rate.points', 'whole number'],
    ['an unknown tier in a bonus day', 'sporting-goods-usd', (p) => (p['bonuses'].days[0].tiers = ['gold', 'platinum']), 'bonuses.days.0.tiers.1', 'unknown tier "platinum"'],
    ['an unknown tier in the birthday bonus', 'sporting-goods-usd', (p) => (p['bonuses'].birthday.tiers = ['diamond']), 'bonuses.birthday.tiers.0', 'unknown tier "diamond"'],
    ['tiers not in ascending order', 'sporting-goods-usd', (p) => (p['tiers'].levels[2].minimumSpend = 20_000), 'tiers.levels.2.minimumSpend', 'lowest to highest'],
    ['two tiers with the same threshold', 'sporting-goods-usd', (p) => (p['tiers'].levels[2].minimumSpend = 25_000), 'tiers.levels.2.minimumSpend', 'lowest to highest'],
    ['a first tier that does not start at 0', 'sporting-goods-usd', (p) => (p['tiers'].levels[0].minimumSpend = 100), 'tiers.levels.0.minimumSpend', 'the first tier must start at 0'],
    ['a duplicate tier id', 'sporting-goods-usd', (p) => (p['tiers'].levels[1].id = 'bronze'), 'tiers.levels.1.id', 'duplicate id "bronze"'],
    ['a duplicate reward id', 'sporting-goods-usd', (p) => (p['redemption'].catalogue[2].id = 'ten-off'), 'redemption.catalogue.2.id', 'duplicate id "ten-off"'],
    ['a duplicate action id', 'classic-krw', (p) => (p['bonuses'].actions[3].id = 'newsletter'), 'bonuses.actions.3.id', 'duplicate id "newsletter"'],
    // 1 point = 10 KRW, so 100 points = 1000 KRW is fine; at 3 points = 10 KRW a step of 100 is 333.33 KRW.
    ['a step not worth whole minor units', 'classic-krw', (p) => (p['redemption'].pointValue = { points: 3, amount: 10 }), 'redemption.step', 'whole number of minor units'],
    ['a minimum that is not a multiple of the step', 'classic-krw', (p) => (p['redemption'].minimumPoints = 550), 'redemption.minimumPoints', 'multiple of step'],
    ['a free-item reward without sku or category', 'sporting-goods-usd', (p) => delete p['redemption'].catalogue[2].reward.sku, 'redemption.catalogue.2.reward', 'needs a sku or a category'],
    [
      'a rolling window with one-level downgrade',
      'sporting-goods-usd',
      (p) => (p['tiers'].qualification = { period: 'rolling-months', months: 12 }),
      'tiers.downgrade',
      'one-level downgrade needs calendar-year qualification',
    ],
    ['a rolling window of 0 months', 'sporting-goods-usd', (p) => Object.assign(p['tiers'], { qualification: { period: 'rolling-months', months: 0 }, downgrade: 'to-qualified' }), 'tiers.qualification.months', /.+/],
    ['a currency that is not ISO 4217', 'classic-krw', (p) => (p['currency'] = 'WON'), 'currency', 'ISO 4217'],
    ['a lower-case currency', 'classic-krw', (p) => (p['currency'] = 'krw'), 'currency', 'ISO 4217'],
    ['a misspelt time zone', 'classic-krw', (p) => (p['timeZone'] = 'Asia/Seol'), 'timeZone', 'IANA time zone'],
    ['an unknown top-level key (strict objects)', 'classic-krw', (p) => (p['colour'] = 'green'), '(top level)', 'Unrecognized key: "colour"'],
    ['an unknown key inside earn (a typo of rate)', 'classic-krw', (p) => (p['earn'].rates = p['earn'].rate), 'earn', 'Unrecognized key: "rates"'],
    ['a multiplier with three decimals', 'classic-krw', (p) => (p['earn'].multipliers[0].multiplier = 1.255), 'earn.multipliers.0.multiplier', 'at most two decimals'],
    ['a tier multiplier below 1', 'sporting-goods-usd', (p) => (p['tiers'].levels[1].multiplier = 0.5), 'tiers.levels.1.multiplier', 'at least 1'],
    ['a product multiplier with both sku and category', 'classic-krw', (p) => (p['earn'].multipliers[0].sku = 'X-1'), 'earn.multipliers.0', 'exactly one of sku or category'],
    ['a fixed expiry date of 30 February', 'plus-membership-charity', (p) => (p['expiry'] = { type: 'fixed-date', month: 2, day: 30, yearsAfter: 1 }), 'expiry.day', 'no such day in that month'],
    ['a fixed expiry date of 31 April', 'plus-membership-charity', (p) => (p['expiry'] = { type: 'fixed-date', month: 4, day: 31, yearsAfter: 0 }), 'expiry.day', 'no such day in that month'],
    ['a bonus date of 2026-02-30', 'sporting-goods-usd', (p) => (p['bonuses'].days[1].dates = ['2026-02-30']), 'bonuses.days.1.dates.0', 'YYYY-MM-DD'],
    ['a store-wide bonus day with neither dates nor weekdays', 'sporting-goods-usd', (p) => (p['bonuses'].days[1].dates = []), 'bonuses.days.1', 'needs dates or weekdays'],
    ['a weekday 8', 'classic-krw', (p) => (p['bonuses'].days[0].weekdays = [8]), 'bonuses.days.0.weekdays.0', /.+/],
    ['a membership fee of 0', 'plus-membership-charity', (p) => (p['memberships'][0].fee = 0), 'memberships.0.fee', 'must be greater than zero'],
    ['one sku selling two plans', 'plus-membership-charity', (p) => (p['memberships'][1].sku = 'PLUS-MONTH'), 'memberships.1.sku', 'sku "PLUS-MONTH" sells two plans'],
    ['an annual reward for an unknown plan', 'plus-membership-charity', (p) => (p['annualRewards'][0].memberships = ['plus-annual', 'plus-weekly']), 'annualRewards.0.memberships.1', 'unknown membership "plus-weekly"'],
    ['an annual reward for an unknown tier', 'sporting-goods-usd', (p) => (p['annualRewards'][0].tier = 'platinum'), 'annualRewards.0.tier', 'unknown tier "platinum"'],
    ['an annual reward with both points and a rebate', 'sporting-goods-usd', (p) => (p['annualRewards'][0].rebatePercent = 2), 'annualRewards.0', 'exactly one of points or rebatePercent'],
    ['a donation minimum not a multiple of its step', 'plus-membership-charity', (p) => (p['donation'] = { minimumPoints: 150, step: 100 }), 'donation.minimumPoints', 'multiple of step'],
    ['a duplicate charity', 'plus-membership-charity', (p) => (p['charities'][1].id = 'food-bank'), 'charities.1.id', 'duplicate id "food-bank"'],
    ['a maxBasketShare of 0', 'classic-krw', (p) => (p['redemption'].maxBasketShare = 0), 'redemption.maxBasketShare', /.+/],
    ['an id with capitals and spaces', 'classic-krw', (p) => (p['id'] = 'Classic KRW'), 'id', 'lower-case letters, digits and dashes'],
    ['a format from the future', 'classic-krw', (p) => (p['format'] = 2), 'format', /.+/],
    ['a missing Korean name', 'classic-krw', (p) => delete p['name'].ko, 'name.ko', /.+/],
    ['an unknown rounding rule', 'classic-krw', (p) => (p['earn'].rounding = 'bankers'), 'earn.rounding', '"floor"|"half-up"|"ceil"'],
  ];

  for (const [what, base, edit, path, reason] of cases) {
    it(`refuses ${what}: ${SOURCE}: ${path}`, () => {
      const error = refusal(base, edit);
      expect(error.code).toBe('invalid-program');
      expect(error.message).toContain(`Program ${SOURCE} is not valid`);
      const line = problems(error).find((p) => p.startsWith(`${SOURCE}: ${path}: `));
      expect(line, `problems were:\n${problems(error).join('\n')}`).toBeDefined();
      const why = line!.slice(`${SOURCE}: ${path}: `.length);
      if (typeof reason === 'string') expect(why).toContain(reason);
      else expect(why).toMatch(reason);
      expect(error.message).toContain(line);
    });
  }

  it('reports every field problem of one program at once', () => {
    const error = refusal('classic-krw', (p) => {
      p['earn'].rate.per = 0;
      p['currency'] = 'WON';
      p['timeZone'] = 'Asia/Seol';
    });
    expect(problems(error)).toEqual([
      `${SOURCE}: currency: must be an ISO 4217 currency code such as "KRW" or "USD"`,
      `${SOURCE}: timeZone: must be an IANA time zone such as "Asia/Seoul"`,
      `${SOURCE}: earn.rate.per: must be greater than zero`,
    ]);
  });

  it('refuses something that is not an object at all', () => {
    for (const value of [null, [], 'classic', 42]) {
      let error: unknown;
      try {
        parseProgram(value, SOURCE);
      } catch (e) {
        error = e;
      }
      expect(isTallyError(error) && error.code).toBe('invalid-program');
    }
  });
});

describe('parseProgramText', () => {
  it('turns a JSON syntax slip into invalid-program naming the file', () => {
    try {
      parseProgramText('{ "format": 1, "id": "classic-krw", }', 'programs/classic.json');
      expect.unreachable();
    } catch (error) {
      expect(isTallyError(error)).toBe(true);
      const e = error as TallyError;
      expect(e.code).toBe('invalid-program');
      expect(e.message).toMatch(/^Program programs\/classic\.json is not valid JSON: /);
      expect(problems(e)).toHaveLength(1);
      expect(problems(e)[0]).toMatch(/^programs\/classic\.json: /);
    }
  });

  it('refuses an empty file as invalid JSON', () => {
    expect(() => parseProgramText('', 'empty.json')).toThrow(/empty\.json is not valid JSON/);
  });

  it('validates text that is valid JSON like parseProgram does', () => {
    expect(() => parseProgramText('{"format":1}', 'short.json')).toThrow(/Program short\.json is not valid:/);
  });
});
