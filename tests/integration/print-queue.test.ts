/**
 * The print queue against a real TCP printer (the loopback emulator): slips queued with their
 * checkouts, printed after the commit, in order; a printer out of paper holds them all and prints
 * every one once refilled; a checkout never waits on the printer; a hung printer or one that drops
 * the connection mid-job keeps the slip; reprints and cancellations; the member QR on the slip.
 * A job keeps no personal data (the name is read at print time, the card is masked), and a demo
 * terminal's slips say so.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCardCode } from '../../src/core/card-code/parse.js';
import { certifyTerminalKey, publicKeyOf, signingKeyFrom } from '../../src/core/card-code/member-qr.js';
import { fromBase64Url } from '../../src/core/card-code/base64url.js';
import { readFileSync } from 'node:fs';
import type { Ledger } from '../../src/terminal/ledger/ledger.js';
import type { LoyaltyService } from '../../src/terminal/loyalty-service.js';
import { Printing } from '../../src/terminal/printing/printing.js';
import { saveCredentials } from '../../src/terminal/trust/terminal-credentials.js';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { newLedger, REPO, tempDir, testClock, type Clock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-print-queue-');
afterAll(cleanup);

let n = 0;
let emulator: TcpPrinterEmulator;
let ledger: Ledger;
let service: LoyaltyService;
let printing: Printing;
let clock: Clock;

const CARD = '2900000000018';

beforeEach(async () => {
  n += 1;
  emulator = await TcpPrinterEmulator.start('ready');
  // A Tuesday: classic-krw doubles points on Wednesdays.
  clock = testClock('2026-11-24T03:00:00Z');
  const made = newLedger(join(dir, `q-${n}.sqlite`), 'classic-krw', clock);
  ledger = made.ledger;
  // Retries come at once in tests: the clock is ours, and drain() decides when to try. The test
  // clock stands in for the real one too (slip QR codes are minted from it).
  printing = new Printing(ledger, { clock: clock.read, wallClock: clock.read, retryDelay: () => 0 });
  printing.printers.save({ id: 'receipt', transport: { kind: 'tcp', host: emulator.host, port: emulator.port, timeoutMs: 1_500 }, profileId: 'korean-80', language: 'ko' }, clock.read());
  const { LoyaltyService: Service } = await import('../../src/terminal/loyalty-service.js');
  service = new Service(ledger, { clock: clock.read, wallClock: clock.read, newId: undefined as never, onSlip: printing.sink });
  service.enrol({ cards: [CARD], name: '김민지' });
});

afterEach(async () => {
  await printing.close();
  ledger.close();
  await emulator.close();
});

const sale = (txnId: string, amount = 12_000): ReturnType<LoyaltyService['checkout']> => service.checkout({ card: CARD, txnId, basket: service.amountBasket(amount) });

describe('print queue', () => {
  it('queues the slip with the checkout and prints it after the commit, in Korean, with the right content', async () => {
    // The enrolment's welcome slip is queued too.
    sale('POS-1');
    expect(printing.queue.openCount()).toBe(2);
    expect(emulator.receivedCount).toBe(0); // the checkout itself never touched the printer
    const outcome = await printing.worker.drain();
    expect(outcome).toEqual({ printed: 2, waiting: [] });
    const decoded = emulator.decodePrinted({ multiByte: 'cp949' });
    expect(decoded.cuts).toBe(2);
    const text = decoded.lines.join('\n');
    expect(text).toContain('포인트 영수증');
    expect(text).toContain('POS-1');
    expect(text).toMatch(/적립 포인트\s+\+12/);
    expect(text).toMatch(/잔여 포인트\s+112P/);
    expect(text).toContain('김*지');
    expect(text).toContain('*********0018');
    expect(text).not.toContain('2900000000018');
    // The example program trusts the public demo key: every slip of this demo terminal says so, first.
    expect(decoded.lines[0]).toContain('데모 - 실제 멤버십이 아닙니다');
    expect(decoded.lines.filter((l) => l.includes('데모 - 실제 멤버십이 아닙니다'))).toHaveLength(2);
    expect(printing.queue.list().every((j) => j.state === 'printed')).toBe(true);
    // The jobs keep no personal data: no name (it is read from the member at print time), the card masked.
    const member = ledger.memberIdForCard(CARD)!;
    for (const job of printing.queue.list()) {
      expect(job.slip.demo).toBe(true);
      expect(job.slip.member).toEqual({ id: member, name: null, card: '*********0018' });
    }
  });

  it('holds every slip while the printer is out of paper and prints all 50 in order once refilled', async () => {
    await printing.worker.drain(); // the welcome slip
    emulator.setState('paper-out');
    for (let i = 1; i <= 50; i += 1) {
      sale(`POS-${String(i).padStart(2, '0')}`);
      const outcome = await printing.worker.drain();
      expect(outcome.printed).toBe(0);
      expect(outcome.waiting[0]?.reason).toMatch(/out of paper/);
    }
    expect(printing.queue.openCount()).toBe(50);
    const printedBefore = emulator.decodePrinted().cuts;
    emulator.setState('ready');
    const outcome = await printing.worker.drain();
    expect(outcome).toEqual({ printed: 50, waiting: [] });
    const decoded = emulator.decodePrinted({ multiByte: 'cp949' });
    expect(decoded.cuts - printedBefore).toBe(50);
    const order = decoded.lines.flatMap((l) => /POS-\d\d/.exec(l) ?? []);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => `POS-${String(i + 1).padStart(2, '0')}`));
  });

  it('never makes a checkout wait for a hung printer, and keeps its slip', async () => {
    emulator.hang(true);
    const started = Date.now();
    sale('POS-H');
    expect(Date.now() - started).toBeLessThan(500);
    const outcome = await printing.worker.drain();
    expect(outcome.printed).toBe(0);
    expect(outcome.waiting[0]?.reason).toMatch(/no status|timed out|timeout/i);
    emulator.hang(false);
    expect((await printing.worker.drain()).printed).toBe(2);
  });

  it('prints a slip again when the printer dropped the connection during it', async () => {
    await printing.worker.drain();
    sale('POS-D');
    // 12 status bytes go first (the before-job check), then the job: drop 200 bytes into it.
    emulator.disconnectAfter(12 + 200);
    const first = await printing.worker.drain();
    expect(first.printed).toBe(0);
    const job = printing.queue.list().find((j) => j.slip.txnId === 'POS-D')!;
    expect(job.state).toBe('pending');
    const second = await printing.worker.drain();
    expect(second.printed).toBe(1);
    expect(printing.queue.job(job.id)?.state).toBe('printed');
  });

  it('cancels a queued slip and reprints one from history, marked as a reprint', async () => {
    sale('POS-C');
    const job = printing.queue.list().find((j) => j.slip.txnId === 'POS-C')!;
    printing.queue.cancel(job.id, 'manager Lee', clock.read());
    expect(() => printing.queue.cancel(job.id, 'manager Lee', clock.read())).toThrow(/already cancelled/);
    await printing.worker.drain();
    expect(emulator.decodePrinted({ multiByte: 'cp949' }).lines.join('\n')).not.toContain('POS-C');
    const original = printing.queue.job(job.id)!;
    ledger.transaction(() => printing.queue.enqueue('receipt', original.slip, { kind: 'reprint', transactionId: original.transactionId, reprintOf: original.id, now: clock.read() }));
    await printing.worker.drain();
    const text = emulator.decodePrinted({ multiByte: 'cp949' }).lines.join('\n');
    expect(text).toContain('재발행');
    expect(text).toContain('POS-C');
  });

  it('prints the member’s signed QR code (identify only, no member id in it), which the counter accepts at the next visit', async () => {
    const demo = JSON.parse(readFileSync(join(REPO, 'resources', 'keys', 'demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string };
    const programKey = signingKeyFrom(demo.id, fromBase64Url(demo.secretKey)!);
    const terminalKey = signingKeyFrom('lane-1', Uint8Array.from({ length: 32 }, (_, i) => i + 7));
    const { storeId, terminalId } = ledger.terminal;
    const certificate = certifyTerminalKey(programKey, { terminalKeyId: 'lane-1', storeId, terminalId, terminalPublicKey: publicKeyOf(terminalKey.secretKey), expiresAt: clock.read() + 365 * 86_400_000 });
    saveCredentials(ledger, printing.secrets, terminalKey, certificate, clock.read());
    sale('POS-Q');
    await printing.worker.drain();
    const qr = emulator.decodePrinted({ multiByte: 'cp949' }).qrCodes.at(-1)!;
    expect(qr).toMatch(/^TLY2T\./);
    const member = ledger.memberIdForCard(CARD)!;
    const qrRef = ledger.member(member)!.qrRef!;
    expect(qr).not.toContain(member);
    expect(qr).toContain(qrRef);
    const parsed = parseCardCode({ text: qr }, ledger.program, clock.read());
    expect(parsed).toMatchObject({ ok: true, kind: 'token', scope: 'identify', memberRef: qrRef, issuedBy: { terminalKeyId: 'lane-1', storeId, terminalId } });
    // Valid for the program's memberQrDays from when it was printed, within the program's bound.
    expect(parsed.ok && parsed.kind === 'token' && parsed.expiresAt).toBe(Math.floor((clock.read() + ledger.program.receipt.memberQrDays * 86_400_000) / 1000) * 1000);
    expect(service.member(qr).memberId).toBe(member);
  });

  it('queues nothing when no printer is configured', () => {
    printing.printers.setEnabled('receipt', false, clock.read());
    const before = printing.queue.list().length;
    sale('POS-N');
    expect(printing.queue.list().length).toBe(before);
  });
});
