/**
 * End to end at the counter: a code written into a socat pseudo-terminal (the scanner) is read by
 * SerialScanner with the real serialport bindings, parsed by the program's card rules
 * (LoyaltyService.parseCard) and looked up in a real ledger file. A bad read never becomes a
 * member: a product barcode, a misread check digit and a bank card are refused with the parser's
 * reason, in words for the cashier.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../src/core/card-code/check-digits.js';
import { isTallyError } from '../../src/core/errors.js';
import type { ScanEvent } from '../../src/terminal/devices/scan-event.js';
import { SerialScanner } from '../../src/terminal/devices/serial/serial-scanner.js';
import { SocatPair, socatAvailable } from '../../src/terminal/devices/serial/socat-pair.js';
import type { Ledger } from '../../src/terminal/ledger/ledger.js';
import type { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { newLedger, tempDir, testClock } from '../support/ledger-fixture.js';
import { waitFor } from '../support/device-events.js';

const HAVE_SOCAT = socatAvailable();
if (!HAVE_SOCAT) console.warn('socat is not installed (apt-get install socat): the serial end-to-end test is skipped');

type Outcome = { readonly text: string; readonly memberId: string; readonly name: string | null } | { readonly text: string; readonly refused: string; readonly message: string };

describe.skipIf(!HAVE_SOCAT)('serial scanner → card parser → member lookup on a real ledger', () => {
  const temp = tempDir('tally-serial-e2e-');
  const card = (n: number): string => withCheckDigit(`29${String(n).padStart(10, '0')}`, 'gs1-mod10');
  let pair: SocatPair;
  let scanner: SerialScanner;
  let ledger: Ledger;
  let service: LoyaltyService;
  const members = new Map<string, string>();
  const outcomes: Outcome[] = [];

  /** What the cashier screen will do with each scan: parse, then look the member up. */
  function onScan(scan: ScanEvent): void {
    const parsed = service.parseCard(scan.text);
    if (!parsed.ok) {
      outcomes.push({ text: scan.text, refused: parsed.reason, message: parsed.message });
      return;
    }
    try {
      const member = service.member(scan.text);
      outcomes.push({ text: scan.text, memberId: member.memberId, name: member.name });
    } catch (error) {
      if (!isTallyError(error)) throw error;
      outcomes.push({ text: scan.text, refused: error.code, message: error.message });
    }
  }

  beforeAll(async () => {
    const clock = testClock('2026-03-02T02:00:00Z');
    ({ ledger, service } = newLedger(join(temp.dir, 'ledger.db'), 'classic-krw', clock));
    for (const [n, name] of [[1, 'Kim Minji'], [2, 'Lee Jun'], [3, 'Park Seoyeon']] as const) {
      members.set(card(n), service.enrol({ cards: [card(n)], name }).memberId);
    }
    pair = await SocatPair.start(temp.dir, 'counter');
    scanner = new SerialScanner({ id: 'counter-1', path: pair.appPath });
    scanner.events.on('data', onScan);
    await scanner.start();
  });

  afterAll(async () => {
    await scanner?.close();
    await pair?.close();
    ledger?.close();
    temp.cleanup();
  });

  async function scan(code: string): Promise<Outcome> {
    const before = outcomes.length;
    await pair.write(`${code}\r\n`);
    return waitFor(`the outcome of ${JSON.stringify(code)}`, () => outcomes[before]);
  }

  it('a member card scan finds its member', async () => {
    expect(await scan(card(2))).toEqual({ text: card(2), memberId: members.get(card(2)), name: 'Lee Jun' });
    expect(await scan(card(3))).toEqual({ text: card(3), memberId: members.get(card(3)), name: 'Park Seoyeon' });
  });

  it('with an AIM identifier in front (]E0: EAN-13) it is the same member', async () => {
    expect(await scan(`]E0${card(1)}`)).toMatchObject({ memberId: members.get(card(1)), name: 'Kim Minji' });
  });

  it('a product barcode is refused as one, never a member', async () => {
    const product = withCheckDigit('880123456789', 'gs1-mod10');
    expect(await scan(product)).toEqual({ text: product, refused: 'product-barcode', message: 'Not a member card: product barcode' });
  });

  it('a misread member card (check digit wrong) is refused with "rescan"', async () => {
    const good = card(1);
    const misread = good.slice(0, -1) + String((Number(good.at(-1)) + 1) % 10);
    expect(await scan(misread)).toMatchObject({ refused: 'bad-check-digit', message: 'Check digit wrong — rescan' });
  });

  it('a valid card that is not enrolled: "Card not recognised", without the full number', async () => {
    const outcome = await scan(card(999));
    expect(outcome).toMatchObject({ refused: 'unknown-card' });
    expect('message' in outcome && outcome.message).toMatch(/^Card not recognised/);
  });

  it('a bank card swiped on a serial stripe reader is refused and its number is not repeated', async () => {
    const pan = '4111111111111111';
    const outcome = await scan(`;${pan}=29121010000000000000?`);
    expect(outcome).toMatchObject({ refused: 'bank-card' });
    expect('message' in outcome && outcome.message).not.toContain(pan);
  });

  it('fifty scans in a row, each found as fast as it is read', async () => {
    for (let i = 0; i < 50; i += 1) {
      const code = card((i % 3) + 1);
      const outcome = await scan(code);
      expect(outcome).toMatchObject({ memberId: members.get(code) });
    }
  });
});
