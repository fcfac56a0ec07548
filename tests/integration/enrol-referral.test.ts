/**
 * "Referred by" at enrolment (LoyaltyService.enrol with `referredBy`): the new member and the
 * referrer's referral bonus (the program's per-reference action "referral", the new member as its
 * reference) are booked in one transaction, on a real SQLite ledger. An unknown referrer's card
 * enrols nobody; a retry books nothing twice; a program without a referral action says so.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TallyError } from '../../src/core/errors.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';

function card(twelve: string): string {
  const sum = [...twelve].reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
}

const REFERRER = card('290000000101');
const FRIEND = card('290000000102');
const SECOND = card('290000000103');
const STRANGER = card('290000000199');

const { dir, cleanup } = tempDir('tally-referral-');
afterAll(cleanup);

function refusal(run: () => unknown): TallyError {
  try {
    run();
  } catch (error) {
    if (error instanceof TallyError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('enrolment with "referred by"', () => {
  const clock = testClock('2026-03-10T03:00:00Z');
  // Ids from a counter, as counterIds() makes them; one test chooses the next one (the next member's id).
  let issued = 0;
  let forced: string | null = null;
  const ids = (): string => {
    const id = forced ?? `01900000-0000-7000-8000-${(issued += 1).toString(16).padStart(12, '0')}`;
    forced = null;
    return id;
  };
  const { ledger, service } = newLedger(join(dir, 'classic.sqlite'), 'classic-krw', clock, { ids });

  it("books the new member and the referrer's referral bonus together, with the new member as the reference", () => {
    const referrer = service.enrol({ cards: [REFERRER], name: 'Kim Minji' });
    const before = service.member(REFERRER).balance;
    const enrolled = service.enrol({ cards: [FRIEND], name: 'Park Seojun', referredBy: REFERRER });
    expect(enrolled.welcomePoints).toBe(100);
    expect(enrolled.referral).toMatchObject({ points: 300, balance: before + 300, replayed: false });
    expect(service.member(REFERRER).balance).toBe(before + 300);
    expect(service.member(FRIEND).balance).toBe(100);
    const { entries } = service.history(REFERRER, 10);
    const bonus = entries.find((entry) => entry.posTxnId === enrolled.referral?.txnId);
    expect(bonus).toMatchObject({ kind: 'action', points: 300, detail: { action: 'referral', reference: `member:${enrolled.memberId}` } });
    expect(enrolled.referral?.txnId).toContain(enrolled.memberId);
    expect(referrer.memberId).not.toBe(enrolled.memberId);
    expect(service.verify()).toMatchObject({ ok: true });
  });

  it('a retry of the same enrolment books nothing again (both replayed)', () => {
    const before = service.member(REFERRER).balance;
    const again = service.enrol({ cards: [FRIEND], name: 'Park Seojun', referredBy: REFERRER });
    expect(again.replayed).toBe(true);
    expect(again.referral?.replayed).toBe(true);
    expect(service.member(REFERRER).balance).toBe(before);
  });

  it("each new member referred is the referrer's bonus again (one per new member)", () => {
    const before = service.member(REFERRER).balance;
    service.enrol({ cards: [SECOND], referredBy: REFERRER });
    expect(service.member(REFERRER).balance).toBe(before + 300);
  });

  it("an unknown referrer's card is a clear error, and nobody is enrolled", () => {
    const members = ledger.db.prepare('SELECT COUNT(*) AS n FROM members').get() as { n: number };
    const error = refusal(() => service.enrol({ cards: [card('290000000104')], name: 'Choi', referredBy: STRANGER }));
    expect(error.code).toBe('unknown-card');
    expect(error.message).toMatch(/referrer's card .*nobody was enrolled/);
    expect(ledger.db.prepare('SELECT COUNT(*) AS n FROM members').get()).toEqual(members);
    expect(refusal(() => service.member(card('290000000104'))).code).toBe('unknown-card');
  });

  it('a bonus the host refuses undoes the enrolment too: one transaction', () => {
    // The referrer already has a referral bonus naming the member id the next enrolment will get
    // (the test's ids), so the bonus is refused after the member was inserted.
    const next = '01900000-0000-7000-8000-0000000fffff';
    service.action({ card: REFERRER, actionId: 'referral', reference: `member:${next}`, txnId: 'EARLIER-BONUS-1' });
    forced = next;
    const before = service.member(REFERRER).balance;
    const newcomer = card('290000000106');
    const error = refusal(() => service.enrol({ cards: [newcomer], name: 'Han', referredBy: REFERRER }));
    expect(error.code).toBe('limit-reached');
    expect(refusal(() => service.member(newcomer)).code).toBe('unknown-card');
    expect(ledger.db.prepare('SELECT COUNT(*) AS n FROM members WHERE id = ?').get(next)).toEqual({ n: 0 });
    expect(service.member(REFERRER).balance).toBe(before);
    expect(service.verify()).toMatchObject({ ok: true });
  });
});

describe('a program without a referral action', () => {
  it('refuses "referred by" and enrols nobody', () => {
    const clock = testClock('2026-03-10T03:00:00Z');
    const { service } = newLedger(join(dir, 'plus.sqlite'), 'plus-membership-charity', clock);
    service.enrol({ cards: [REFERRER] });
    const error = refusal(() => service.enrol({ cards: [FRIEND], referredBy: REFERRER }));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toContain('no referral bonus');
    expect(refusal(() => service.member(FRIEND)).code).toBe('unknown-card');
  });
});
