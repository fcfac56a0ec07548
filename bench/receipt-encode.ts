/**
 * Encoding a full loyalty slip — a Korean checkout slip with its breakdown, redemption, reward,
 * expiring points and the member's signed QR code, for a Korean 80 mm printer (CP949) — against
 * the bare encoder library call on the same prepared document, in the same run.
 *
 *   ours: render-slip end to end — slip context (labels, money, masking), template, QR command and
 *         module size, then the encoder (ReceiptLine + our post-processing) → printer bytes;
 *   raw:  receiptline.transform on the document render-slip builds, nothing else.
 *
 * The ratio ours / raw is our overhead. The two alternate call by call (which one goes first
 * alternates too), so both run on the same warm JIT and caches. The SVG preview is timed once more
 * for information. Every rendered slip is checked to decode back to its QR token before timing.
 *
 * Target: p99 under 10 ms for the slip's bytes, a fifth of the 50 ms budget from ledger commit to
 * the last byte on the printer.
 *
 * Env: TALLY_BENCH_SLIPS (2000 timed slips per side), TALLY_BENCH_SLIP_WARMUP (200).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64Url } from '../src/core/card-code/base64url.js';
import { issueMemberToken, newMemberRef, newTokenId, signingKeyFrom } from '../src/core/card-code/member-qr.js';
import { decodeEscPos } from '../src/core/escpos/decoder.js';
import { parseProgramText } from '../src/core/program/parse.js';
import type { SlipData } from '../src/core/receipt/slip.js';
import { PRINTER_PROFILES } from '../src/terminal/printing/profiles.js';
import { rawReceiptlineTransform } from '../src/terminal/printing/receiptline-encoder.js';
import { renderSlipBytes, renderSlipSvg, slipReceiptDocument, type SlipRequest } from '../src/terminal/printing/render-slip.js';
import { count, envInt, latency, log, ms, programText, REPO, type BenchResult } from './lib.js';

const P99_TARGET_MS = 10;

function slipRequest(): SlipRequest {
  const program = parseProgramText(programText('classic-krw'), 'classic-krw.json');
  const demo = JSON.parse(readFileSync(join(REPO, 'resources', 'keys', 'demo-program-signing-key.json'), 'utf8')) as { id: string; secretKey: string };
  const key = signingKeyFrom(demo.id, fromBase64Url(demo.secretKey)!);
  const at = Date.parse('2026-11-25T05:12:00Z');
  const slip: SlipData = {
    kind: 'checkout',
    txnId: '0007-1183',
    at,
    storeId: 'S1',
    terminalId: 'T1',
    currency: 'KRW',
    member: { id: 'M-KR-0000007', name: '김민지', card: '2912345678906' },
    earned: {
      points: 114,
      components: [
        { kind: 'base', points: 45 },
        { kind: 'product-multiplier', points: 12 },
        { kind: 'bonus-day', id: 'wednesday-double', multiplier: 2, points: 57 },
      ],
      memberBonusDay: null,
    },
    redeemed: { points: 500, discount: 4500, rewardId: 'free-coffee' },
    returned: null,
    rewards: [{ kind: 'birthday', points: 200, refId: null }],
    donations: [],
    balance: 1234,
    tier: null,
    expiring: [{ lastDay: '2026-12-31', expiresAt: Date.parse('2026-12-31T15:00:00Z'), points: 30 }],
    memberQr: issueMemberToken(key, { scope: 'identify', memberRef: newMemberRef(new Uint8Array(12).fill(7)), tokenId: newTokenId(new Uint8Array(8).fill(3)), expiresAt: at + 90 * 86_400_000 }),
  };
  return { slip, program, profile: PRINTER_PROFILES['korean-80'], lang: 'ko', timeZone: 'Asia/Seoul' };
}

export function runReceiptEncodeBench(): BenchResult[] {
  const slips = envInt('TALLY_BENCH_SLIPS', 2000);
  const warmup = envInt('TALLY_BENCH_SLIP_WARMUP', 200);
  const request = slipRequest();
  const { profile } = request;
  const document = slipReceiptDocument(request, false);

  // The slip is what it should be before anything is timed.
  const bytes = renderSlipBytes(request);
  const print = decodeEscPos(bytes, { multiByte: 'cp949' });
  if (print.qrCodes[0] !== request.slip.memberQr || !print.lines.some((l) => l.includes('잔여 포인트'))) throw new Error('the benchmark slip does not decode back to its QR token and Korean text');
  log(`== receipt encode: a Korean checkout slip with QR for ${profile.id} (${count(bytes.length)} bytes, document ${count(document.length)} characters), ${count(slips)} slips per side after ${count(warmup)} warm-up`);

  let sink = 0;
  for (let i = 0; i < warmup; i += 1) {
    sink += renderSlipBytes(request).length;
    sink += rawReceiptlineTransform(document, profile).length;
  }
  const ours = new BigUint64Array(slips);
  const raw = new BigUint64Array(slips);
  const timeOurs = (i: number): void => {
    const t0 = process.hrtime.bigint();
    sink += renderSlipBytes(request).length;
    ours[i] = process.hrtime.bigint() - t0;
  };
  const timeRaw = (i: number): void => {
    const t0 = process.hrtime.bigint();
    sink += rawReceiptlineTransform(document, profile).length;
    raw[i] = process.hrtime.bigint() - t0;
  };
  for (let i = 0; i < slips; i += 1) {
    if (i % 2 === 0) {
      timeOurs(i);
      timeRaw(i);
    } else {
      timeRaw(i);
      timeOurs(i);
    }
  }
  const previews = new BigUint64Array(Math.max(1, Math.floor(slips / 4)));
  for (let i = 0; i < previews.length; i += 1) {
    const t0 = process.hrtime.bigint();
    sink += renderSlipSvg(request).length;
    previews[i] = process.hrtime.bigint() - t0;
  }
  if (sink === 0) throw new Error('nothing was encoded');

  const a = latency(ours);
  const b = latency(raw);
  const svg = latency(previews);
  const ratio = a.mean / b.mean;
  log(`   render-slip → bytes: ${count(1000 / a.mean)} slips/s, p50 ${ms(a.p50)}, p99 ${ms(a.p99)}, max ${ms(a.max)}`);
  log(`   receiptline.transform alone: ${count(1000 / b.mean)} slips/s, p50 ${ms(b.p50)}, p99 ${ms(b.p99)}, max ${ms(b.max)}`);
  log(`   ratio (mean time, ours / raw): ${ratio.toFixed(2)} → our overhead ${ms(a.mean - b.mean)} a slip (template, context, QR command, post-processing)`);
  log(`   SVG preview: ${count(1000 / svg.mean)} previews/s, p50 ${ms(svg.p50)}, p99 ${ms(svg.p99)}`);
  log();
  return [
    { name: 'receipt: slips/s (render-slip → bytes)', figure: `${count(1000 / a.mean)}/s`, target: '', pass: null },
    { name: 'receipt: p50 / p99 (render-slip → bytes)', figure: `${ms(a.p50)} / ${ms(a.p99)}`, target: `p99 < ${P99_TARGET_MS} ms`, pass: a.p99 < P99_TARGET_MS },
    { name: 'receipt: raw receiptline.transform slips/s', figure: `${count(1000 / b.mean)}/s`, target: '', pass: null },
    { name: 'receipt: raw p50 / p99', figure: `${ms(b.p50)} / ${ms(b.p99)}`, target: '', pass: null },
    { name: 'receipt: ratio ours / raw (mean)', figure: ratio.toFixed(2), target: '', pass: null },
    { name: 'receipt: SVG preview p50 / p99', figure: `${ms(svg.p50)} / ${ms(svg.p99)}`, target: '', pass: null },
  ];
}
