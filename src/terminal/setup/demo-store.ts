/**
 * A demo store's worth of data for a new DEMO terminal: members with cards of the program's store
 * card range, and two weeks of checkouts (some paying with points) booked day by day up to now, so
 * that every screen (balances, tiers, history, the dashboard) has something to show. Deterministic:
 * the same program and start time give the same store.
 */
import { withCheckDigit } from '../../core/card-code/check-digits.js';
import { isTallyError } from '../../core/errors.js';
import { seededRandom } from '../../core/seeded-random.js';
import type { Instant } from '../../core/time.js';
import type { Ledger } from '../ledger/ledger.js';
import { LoyaltyService } from '../loyalty-service.js';

const DAY_MS = 86_400_000;

/** Names in the two languages of the screens; the first is the README's demo member. */
const DEMO_MEMBERS = ['Kim Minji', 'Lee Seo-yeon', 'Park Ji-hoon', 'Choi Yuna', '정현우', '강하늘', 'Alex Morgan', 'Sam Rivera'] as const;

/** The demo members' PIN for spending points (shown on the setup screen of a DEMO terminal only). */
export const DEMO_MEMBER_PIN = '2580';

/** A demo card: EAN-13 in the store-card range 29, numbered from 1 (2900000000018 is the first). */
export function demoCard(n: number): string {
  return withCheckDigit(`29${String(n).padStart(10, '0')}`, 'gs1-mod10');
}

export function seedDemoStore(ledger: Ledger, options: { readonly now: Instant; readonly days?: number }): { members: number; checkouts: number } {
  const days = options.days ?? 14;
  const start = options.now - days * DAY_MS;
  let clock = start;
  // The booking clock walks from two weeks ago to now; it may lag the real one, never run ahead of it.
  const service = new LoyaltyService(ledger, { clock: () => clock, wallClock: () => options.now, clockOverridden: true });
  const program = ledger.program;
  const proof = program.spending.proofs.includes('pin') ? { pin: DEMO_MEMBER_PIN } : program.spending.proofs.includes('cashier') ? { cashier: 'Demo cashier' } : null;
  // Seeded: a demo store that looks the same on every machine.
  const next = seededRandom(0x7a11);
  // Minor units: KRW has none (5,000 to 120,000 won); cents elsewhere ($5 to $150).
  const priceRange = program.currency === 'KRW' ? [5_000, 120_000] : [500, 15_000];
  let members = 0;
  let checkouts = 0;
  DEMO_MEMBERS.forEach((name, i) => {
    clock = start + i * 3 * 3_600_000;
    service.enrol({ cards: [demoCard(i + 1)], name, marketingConsent: i % 2 === 0, ...(proof && 'pin' in proof ? { pin: DEMO_MEMBER_PIN } : {}) });
    members += 1;
  });
  for (let day = 1; day <= days; day++) {
    const visits = 3 + Math.floor(next() * 4);
    for (let v = 0; v < visits; v++) {
      // Opening hours, spread over the day; the last day only up to now.
      const at = start + day * DAY_MS - DAY_MS / 2 + v * 45 * 60_000;
      if (at >= options.now) break;
      clock = at;
      const member = 1 + Math.floor(next() * DEMO_MEMBERS.length);
      const amount = Math.round((priceRange[0]! + next() * (priceRange[1]! - priceRange[0]!)) / 100) * 100;
      const card = demoCard(member);
      const balance = service.member(card).balance;
      const redeem = proof !== null && balance >= program.redemption.minimumPoints * 2 && next() < 0.3 ? { points: program.redemption.minimumPoints } : undefined;
      try {
        service.checkout({ card, txnId: `DEMO-${day}-${v + 1}`, basket: service.amountBasket(amount), ...(redeem && proof !== null ? { redeem, proof } : {}) });
        checkouts += 1;
      } catch (error) {
        // A spending limit of the program (per visit, per day) is part of the demo too: that sale is simply not made.
        if (!isTallyError(error)) throw error;
      }
    }
  }
  return { members, checkouts };
}
