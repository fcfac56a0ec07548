/**
 * What the manager screen's admin sections read through the handler map, over a real ledger: the
 * program in force (`program-current`, a manager's), the printer models `printer-list` offers, and
 * each queued slip's kind in `print-queue` (what a reprint from the queue needs). Each reply is
 * checked with the schema the screen checks it with (src/contract/manager-admin.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyReplySchema, printerListReplySchema, printQueueReplySchema, programCurrentSchema } from '../../src/contract/manager-admin.js';
import type { Reply } from '../../src/contract/messages.js';
import { parseProgramText } from '../../src/core/program/parse.js';
import { programDiff } from '../../src/core/program/program-diff.js';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { newLedger, REPO, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-manager-admin-');
afterAll(cleanup);

const CARD = '2900000000018';
const PROGRAM = readFileSync(join(REPO, 'resources', 'programs', 'classic-krw.json'), 'utf8');

function result(reply: Reply): unknown {
  if (reply.type !== 'reply') throw new Error(`expected a reply, got ${JSON.stringify(reply)}`);
  return reply.result;
}

describe('the manager screen’s admin methods through the handler map', () => {
  it('program-current is a manager’s and answers the installed program, the same as a file validated in the browser', async () => {
    const path = join(dir, 'lane-1.sqlite');
    const clock = testClock('2026-03-02T03:00:00Z');
    newLedger(path, 'classic-krw', clock).ledger.close();
    const host = TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, log: () => undefined });
    let seq = 0;
    const call = (name: string, args: unknown, session?: string) => host.handlers.handle({ id: ++seq, name, args, ...(session !== undefined ? { session } : {}) });
    try {
      // Before roles start, anyone at the counter may read it (as every manager's method).
      const before = programCurrentSchema.parse(result(await call('program-current', {})));
      expect(before).toMatchObject({ id: 'classic-krw', version: 1, signedWith: null });
      // What the browser makes of the same file: no difference at all.
      expect(programDiff(before.program, JSON.parse(JSON.stringify(parseProgramText(PROGRAM, 'classic'))))).toEqual([]);

      await call('manager-add', { managerId: 'M-PARK', name: 'Park', pin: '402913' });
      expect(await call('program-current', {})).toMatchObject({ type: 'error', error: { code: 'manager-required' } });
      const session = (result(await call('manager-login', { managerId: 'M-PARK', pin: '402913' })) as { session: string }).session;
      expect(await call('program-current', { extra: 1 }, session)).toMatchObject({ type: 'error', error: { code: 'invalid-input' } });

      const next = { ...(JSON.parse(PROGRAM) as Record<string, unknown>), version: 2 };
      clock.now += 60_000;
      expect(result(await call('program-install', { document: JSON.stringify(next) }, session))).toMatchObject({ version: 2 });
      const after = programCurrentSchema.parse(result(await call('program-current', {}, session)));
      expect(after).toMatchObject({ id: 'classic-krw', version: 2, installedAt: clock.read() });
      expect(programDiff(before.program, after.program)).toEqual([{ path: 'version', kind: 'changed', before: 1, after: 2 }]);

      // Printer models for the add-a-printer form, and each slip's kind for a reprint from the queue.
      const printer = { id: 'receipt', transport: { kind: 'tcp', host: '127.0.0.1', port: 9, timeoutMs: 500 }, profileId: 'epson-tm-80-42', language: 'en' };
      result(await call('printer-save', printer, session));
      const list = printerListReplySchema.parse(result(await call('printer-list', {})));
      expect(list.printers.map((p) => p.id)).toEqual(['receipt']);
      expect(list.profiles?.map((p) => p.id)).toContain('epson-tm-80-42');
      expect(list.profiles?.every((p) => p.name.length > 0)).toBe(true);
      result(await call('enrol', { cards: [CARD], name: 'Kim Minji' }));
      result(await call('checkout-commit', { card: CARD, txnId: 'POS-1', basket: { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: 10_000 }] } }));
      result(await call('printer-test', {}));
      const queue = printQueueReplySchema.parse(result(await call('print-queue', {})));
      expect(queue.jobs.map((j) => `${j.kind}:${j.slipKind ?? ''}`).sort()).toEqual(['slip:checkout', 'slip:enrolment', 'test:test']);
      const history = historyReplySchema.parse(result(await call('history', { card: CARD })));
      // A sale is two entries: the points earned, and the spend counted for the tier (money, no points).
      expect(history.entries.filter((e) => e.posTxnId === 'POS-1').map((e) => ({ kind: e.kind, unit: e.unit, points: e.points, money: e.money })).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
        { kind: 'earn', unit: 'points', points: 10, money: 10_000 },
        { kind: 'qualifying-spend', unit: 'money', points: 0, money: 10_000 },
      ]);
    } finally {
      await host.close();
    }
  });
});
