/**
 * From ledger commit to the last byte on the printer: a checkout commits (its slip queued in the
 * same transaction), then the print worker checks the printer's status, renders the slip
 * (Korean, with the member's signed QR code), writes it over TCP, and checks the status after.
 * Measured per slip from the end of the commit to the moment a loopback ESC/POS printer (written
 * here: it answers DLE EOT like a ready printer) has received the slip's last byte.
 * Target: p99 < 50 ms.
 */
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { certifyTerminalKey, publicKeyOf, signingKeyFrom } from '../src/core/card-code/member-qr.js';
import { statusAnswers } from '../src/core/escpos/status.js';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../src/terminal/loyalty-service.js';
import { Printing } from '../src/terminal/printing/printing.js';
import { saveCredentials } from '../src/terminal/trust/terminal-credentials.js';
import { fromBase64Url } from '../src/core/card-code/base64url.js';
import { benchClock, cardCode, envInt, latency, log, ms, programText, REPO, tempDir, type BenchResult } from './lib.js';
import { readFileSync } from 'node:fs';

/** A ready printer: answers each DLE EOT n with a status byte and notes when data last arrived. */
function loopbackPrinter(): Promise<{ port: number; lastDataAt: () => bigint; bytes: () => number; close: () => Promise<void> }> {
  const ready = statusAnswers({});
  let lastDataAt = 0n;
  let total = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    // Answers go out at once, as a printer's do (Nagle would hold the second byte for an ACK).
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      const at = process.hrtime.bigint();
      let data = 0;
      const answers: number[] = [];
      // Status requests come in their own writes (before and after a job): 10 04 n, answered in order.
      for (let i = 0; i < chunk.length; i += 1) {
        if (chunk[i] === 0x10 && chunk[i + 1] === 0x04 && i + 2 < chunk.length) {
          answers.push(ready[(chunk[i + 2] ?? 1) - 1] ?? ready[0]!);
          i += 2;
        } else data += 1;
      }
      if (answers.length > 0) socket.write(Uint8Array.from(answers));
      if (data > 0) lastDataAt = at;
      total += chunk.length;
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        lastDataAt: () => lastDataAt,
        bytes: () => total,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export async function runReceiptPrintBench(): Promise<BenchResult[]> {
  const n = envInt('TALLY_BENCH_PRINTS', 300);
  const temp = tempDir('tally-bench-print-');
  const printer = await loopbackPrinter();
  const clock = benchClock();
  const ledger = Ledger.init(join(temp.dir, 'print.db'), { demo: true, storeId: 'S1', terminalId: 'T1', timeZone: 'Asia/Seoul', programText: programText('classic-krw'), programSource: 'classic-krw.json', now: clock() });
  const printing = new Printing(ledger, { clock });
  try {
    printing.printers.save({ id: 'receipt', transport: { kind: 'tcp', host: '127.0.0.1', port: printer.port, timeoutMs: 5_000 }, profileId: 'korean-80', language: 'ko' }, clock());
    const demo = JSON.parse(readFileSync(join(REPO, 'resources', 'keys', 'demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string };
    const programKey = signingKeyFrom(demo.id, fromBase64Url(demo.secretKey)!);
    const terminalKey = signingKeyFrom('bench', Uint8Array.from({ length: 32 }, (_, i) => i + 1));
    saveCredentials(
      ledger,
      printing.secrets,
      terminalKey,
      certifyTerminalKey(programKey, { terminalKeyId: 'bench', storeId: 'S1', terminalId: 'T1', terminalPublicKey: publicKeyOf(terminalKey.secretKey), expiresAt: Date.now() + 365 * 86_400_000 }),
      Date.now(),
    );
    const service = new LoyaltyService(ledger, { clock, onSlip: printing.sink });
    for (let i = 0; i < 50; i += 1) service.enrol({ cards: [cardCode(i)], name: '김민지' });
    await printing.worker.drain();
    const samples = new BigUint64Array(n);
    const bytesBefore = printer.bytes();
    for (let i = 0; i < n + 20; i += 1) {
      service.checkout({ card: cardCode(i % 50), txnId: `P-${i}`, basket: service.amountBasket(10_000 + i * 100) });
      const committed = process.hrtime.bigint();
      const outcome = await printing.worker.drain();
      if (outcome.printed !== 1) throw new Error(`slip ${i} did not print: ${JSON.stringify(outcome)}`);
      if (i >= 20) samples[i - 20] = printer.lastDataAt() - committed;
      if (i % 100 === 0) ledger.checkpoint();
    }
    const l = latency(samples);
    const slipBytes = Math.round((printer.bytes() - bytesBefore) / (n + 20));
    log(`== receipt-print: ${n} checkouts, each slip printed on a loopback TCP ESC/POS printer (korean-80, CP949, signed member QR; ~${slipBytes} bytes a slip)`);
    log(`   commit → last byte on the printer: p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)} (status before and after each job included)`);
    return [
      { name: 'print: commit → last byte p50', figure: ms(l.p50), target: '', pass: null },
      { name: 'print: commit → last byte p99', figure: ms(l.p99), target: '< 50 ms', pass: l.p99 < 50 },
    ];
  } finally {
    await printing.close();
    ledger.close();
    await printer.close();
    temp.cleanup();
  }
}
