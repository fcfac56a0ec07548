import { describe, expect, it } from 'vitest';
import { parseProgram } from '../program/parse.js';
import type { ProgramInput } from '../program/schema.js';
import { checkSpending } from './spending.js';

const base: ProgramInput = { format: 1, id: 'p', version: 1, name: { en: 'P', ko: 'P' }, currency: 'USD', timeZone: 'UTC', earn: { rate: { points: 1, per: 100 } } };
const program = (spending: ProgramInput['spending']) => parseProgram({ ...base, spending }, 'test');

describe('checkSpending', () => {
  it('needs no proof when nothing is spent', () => {
    expect(() => checkSpending(program(undefined), { points: 0, spentToday: 0, proof: null })).not.toThrow();
  });

  it('by default takes a spend code or a PIN, never a bare scan or a cashier alone', () => {
    const p = program(undefined);
    expect(() => checkSpending(p, { points: 1, spentToday: 0, proof: null })).toThrow(/Spending points needs a spend code from the member's app or the member's PIN: a scanned card or receipt QR code only identifies/);
    expect(() => checkSpending(p, { points: 500, spentToday: 0, proof: 'cashier' })).toThrow(/is not one this program takes/);
    expect(() => checkSpending(p, { points: 500, spentToday: 0, proof: 'pin' })).not.toThrow();
    expect(() => checkSpending(p, { points: 500, spentToday: 0, proof: 'spend-code' })).not.toThrow();
  });

  it('lets a program allow small spends without proof and a cashier check above', () => {
    const p = program({ proofs: ['cashier'], withoutProofUpTo: 100 });
    expect(() => checkSpending(p, { points: 100, spentToday: 0, proof: null })).not.toThrow();
    expect(() => checkSpending(p, { points: 101, spentToday: 0, proof: null })).toThrow(/a cashier confirming they checked the member/);
    expect(() => checkSpending(p, { points: 101, spentToday: 0, proof: 'cashier' })).not.toThrow();
  });

  it('keeps to the limits per visit and per day, whatever the proof', () => {
    const p = program({ proofs: ['pin'], perVisit: 1000, perDay: 1500 });
    expect(() => checkSpending(p, { points: 1001, spentToday: 0, proof: 'pin' })).toThrow(/At most 1000 points can be spent in one visit/);
    expect(() => checkSpending(p, { points: 600, spentToday: 1000, proof: 'pin' })).toThrow(/At most 1500 points can be spent in a day; 1000 already were today, so 500 are left/);
    expect(() => checkSpending(p, { points: 500, spentToday: 1000, proof: 'pin' })).not.toThrow();
  });

  it('refuses a program whose visit limit is above its day limit', () => {
    expect(() => program({ proofs: ['pin'], perVisit: 2000, perDay: 1000 })).toThrow(/spending.perVisit: cannot be more than perDay/);
  });
});
