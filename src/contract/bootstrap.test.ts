/**
 * The bootstrap rows' hand-written checks (what the terminal runs on millions of rows) against the
 * zod schemas that document the same shapes in the OpenAPI document: they agree on well-formed rows
 * and on every kind of damage, listed and generated (a property test over rows with any of their
 * values replaced by arbitrary JSON, and over arbitrary values as rows).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bootstrapEventRowSchema,
  bootstrapMemberRowSchema,
  bootstrapRowProblem,
  bootstrapTransactionRowSchema,
  bootstrapTransferRowSchema,
  type BootstrapSection,
} from './bootstrap.js';
import type { z } from 'zod';

const member = ['0190a1b2-0000-7000-8000-000000000001', 2, 'Kim Minji', null, null, '1994-11-20', true, 1_700_000_000_000, 'LANE-1', 'AbCdEfGhIjKlMnOp', null, null, 1_700_000_000_500, ['2900000000018'], true];
const transaction = ['t1', 'STORE-12', 'LANE-1', 'checkout', 'POS-1', 'm1', null, 'a'.repeat(64), { card: '*********0018' }, { lines: [] }, { points: 120 }, 'cashier-1', 1_700_000_000_000];
const transfer = [
  'f1', 'LANE-1', 1, 7, 'earn', 'points', 120, 'program:issued', 'member:m1', 'm1', 'earn|STORE-12|LANE-1|POS-1', null, null, 't1', 'STORE-12',
  'POS-1', null, 12_000, 'USD', 'sporting-goods-usd', 1, 1, 100, 1_700_000_000_000, 1_700_000_000_000, '2023-11-14T17:13', { reason: 'sale' },
  [['f1:0', 120, 1_700_000_000_000, null]], [['f0:0', 30]],
];
const event = ['e1', 'm1', 'birthday', '2025', 'birthday|m1|2025', 'LANE-1', {}, 1_700_000_000_000];

const cases: readonly (readonly [BootstrapSection, z.ZodType, unknown[]])[] = [
  ['members', bootstrapMemberRowSchema, member],
  ['transactions', bootstrapTransactionRowSchema, transaction],
  ['transfers', bootstrapTransferRowSchema, transfer],
  ['events', bootstrapEventRowSchema, event],
];

/** Values that break one position or another. */
const DAMAGE: readonly unknown[] = [undefined, null, '', 'x'.repeat(500), -1, 0, 1.5, 2 ** 60, true, {}, [], ['x'], 'not-a-place id!'];

describe('bootstrap row checks', () => {
  it.each(cases)('accept a well-formed %s row, as its zod schema does', (section, schema, row) => {
    expect(schema.safeParse(row).success).toBe(true);
    expect(bootstrapRowProblem(section, row)).toBeNull();
  });

  it.each(cases)('refuse every damaged %s row that its zod schema refuses, and only those', (section, schema, row) => {
    let refused = 0;
    for (let position = 0; position < row.length; position += 1) {
      for (const value of DAMAGE) {
        const damaged = [...row];
        damaged[position] = value;
        const zodRefuses = !schema.safeParse(damaged).success;
        const problem = bootstrapRowProblem(section, damaged);
        expect(problem !== null, `${section}[${position}] = ${JSON.stringify(value)}: zod ${zodRefuses ? 'refuses' : 'accepts'}, the check says ${problem}`).toBe(zodRefuses);
        if (problem !== null) refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(row.length);
    // A row of the wrong length, or not an array at all.
    for (const wrong of [row.slice(1), [...row, null], {}, 'row', null]) {
      expect(schema.safeParse(wrong).success).toBe(false);
      expect(bootstrapRowProblem(section, wrong)).not.toBeNull();
    }
  });

  it.each(cases)('agree with the zod schema on %s rows with arbitrary values in arbitrary places (property)', (section, schema, row) => {
    // What JSON.parse can give, weighted toward the edges the checks draw: string lengths, integer bounds, null.
    const edgeLength = fc.constantFrom(0, 1, 2, 3, 9, 10, 11, 15, 16, 17, 32, 33, 39, 40, 41, 63, 64, 65, 99, 100, 101, 127, 128, 129, 199, 200, 201, 319, 320, 321, 399, 400, 401);
    const value = fc.oneof(
      { arbitrary: edgeLength.map((length) => 'x'.repeat(length)), weight: 3 },
      { arbitrary: edgeLength.map((length) => 'a1'.repeat(length).slice(0, length)), weight: 3 },
      { arbitrary: fc.jsonValue(), weight: 1 },
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9._ -]{0,34}$/), weight: 1 },
      { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 1 },
      { arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER, 0.5, null, true, false, [], {}), weight: 1 },
      { arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 70 }), fc.integer(), fc.constant(null)), { maxLength: 12 }), weight: 1 },
    );
    const agree = (candidate: unknown): void => {
      expect(bootstrapRowProblem(section, candidate) === null, JSON.stringify(candidate)).toBe(schema.safeParse(candidate).success);
    };
    // One value at each place (the one past the end makes a row one too long), then several at once.
    for (let position = 0; position <= row.length; position += 1) {
      fc.assert(
        fc.property(value, (replacement) => {
          const damaged: unknown[] = [...row];
          damaged[position] = replacement;
          agree(damaged);
        }),
        { numRuns: 1000 },
      );
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: row.length - 1 }), value), { minLength: 2, maxLength: 4 }), (changes) => {
        const damaged: unknown[] = [...row];
        for (const [position, replacement] of changes) damaged[position] = replacement;
        agree(damaged);
      }),
      { numRuns: 1000 },
    );
    fc.assert(fc.property(fc.jsonValue(), agree));
  });

  it('say where a row is wrong', () => {
    const damaged = [...transfer];
    damaged[6] = 0;
    expect(bootstrapRowProblem('transfers', damaged)).toBe('[6] is not an integer from 1');
    const lots = [...transfer];
    lots[27] = [['f1:0', 'many', 1, null]];
    expect(bootstrapRowProblem('transfers', lots)).toBe('[27] [0] [1] is not an integer from 1');
  });
});
