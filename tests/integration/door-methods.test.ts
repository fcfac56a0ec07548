/**
 * What the CLI needed from the handler map to stop reaching around it, tested where every carrier
 * meets the map (the host's, over a real ledger): `member-summary` (the member a reply named, as they
 * stand now), `print-preview` (a booked transaction's slip as SVG, nothing queued), and refusals of
 * arguments named the way the service names them. Then through a real `tally` process: the map's
 * argument schemas are the CLI's too.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/contract/messages.js';
import { TerminalHost } from '../../src/terminal/hosts/app.js';
import { dumpLedger } from '../support/host-client.js';
import { CLI_ENV, newLedger, REPO, stripNotices, tempDir, testClock } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-door-');
afterAll(cleanup);

const START = '2026-03-02T03:00:00Z';
const CARD = '2900000000018';
const BASKET = { currency: 'KRW', lines: [{ sku: 'A', quantity: 1, unitPrice: 10_000 }] };

function result(reply: Reply): Record<string, unknown> {
  if (reply.type !== 'reply') throw new Error(`expected a reply, got ${JSON.stringify(reply)}`);
  return reply.result as Record<string, unknown>;
}

describe('the methods the CLI goes through', () => {
  let n = 0;
  let host: TerminalHost;
  let path: string;
  let seq = 0;
  const call = (name: string, args: unknown) => host.handlers.handle({ id: ++seq, name, args });

  beforeEach(() => {
    n += 1;
    path = join(dir, `lane-${n}.sqlite`);
    const clock = testClock(START);
    const { ledger, service } = newLedger(path, 'classic-krw', clock);
    service.enrol({ cards: [CARD], name: 'Kim Minji' });
    ledger.close();
    host = TerminalHost.open({ db: path, clock: clock.read, wallClock: clock.read, log: () => undefined });
  });
  afterEach(() => host.close());

  it("member-summary: the member a replayed reply named, with today's balance (the reply keeps the first booking's)", async () => {
    const first = result(await call('action', { card: CARD, actionId: 'newsletter' }));
    expect(result(await call('adjust', { card: CARD, points: 50, reason: 'goodwill', txnId: 'ADJ-1' }))).toMatchObject({ replayed: false });
    const again = result(await call('action', { card: CARD, actionId: 'newsletter' }));
    expect(again).toMatchObject({ replayed: true, balance: first['balance'] });
    const now = result(await call('member-summary', { memberId: again['memberId'] }));
    expect(now).toMatchObject({ memberId: first['memberId'], name: 'Kim Minji', balance: (first['balance'] as number) + 50 });
    expect(await call('member-summary', { memberId: 'no-such-member' })).toMatchObject({ type: 'error', error: { code: 'unknown-member' } });
    expect(await call('member-summary', { memberId: '' })).toMatchObject({ type: 'error', error: { code: 'invalid-input' } });
  });

  it('print-preview: the slip as SVG in the language asked for, queueing nothing and booking nothing', async () => {
    expect(result(await call('checkout-commit', { card: CARD, txnId: 'POS-1', basket: BASKET }))).toMatchObject({ replayed: false });
    const queued = (result(await call('print-queue', {}))['jobs'] as unknown[]).length;
    const before = dumpLedger(path);
    const en = result(await call('print-preview', { txnId: 'POS-1', lang: 'en' }));
    const ko = result(await call('print-preview', { txnId: 'POS-1', lang: 'ko' }));
    expect(en['txnId']).toBe('POS-1');
    expect(en['svg']).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(ko['svg']).not.toBe(en['svg']);
    expect((result(await call('print-queue', {}))['jobs'] as unknown[]).length).toBe(queued);
    expect(dumpLedger(path)).toBe(before);
    expect(await call('print-preview', { txnId: 'POS-404' })).toMatchObject({ type: 'error', error: { code: 'unknown-transaction' } });
    expect(await call('print-preview', { txnId: 'POS-1', kind: 'gift' })).toMatchObject({ type: 'error', error: { code: 'invalid-input' } });
  });

  it("names refused arguments as the service does, so a refusal reads the same whichever door it came by", async () => {
    expect(await call('enrol', { cards: ['2900000000025'], birthday: '1990-02-30' })).toMatchObject({
      type: 'error',
      error: { code: 'invalid-input', message: 'member: birthday: must be a date as YYYY-MM-DD or MM-DD' },
    });
    expect(await call('checkout-commit', { card: CARD, txnId: 'no spaces', basket: BASKET })).toMatchObject({ type: 'error', error: { code: 'invalid-input', message: expect.stringMatching(/^checkout: txnId: /) } });
    expect(await call('adjust', { card: CARD, points: 0, reason: 'goodwill', txnId: 'ADJ-0' })).toMatchObject({ type: 'error', error: { code: 'invalid-input', message: 'adjustment: points: must not be zero' } });
  });
});

describe('tally through the door', () => {
  const db = join(dir, 'cli.sqlite');
  const tally = (args: string[], input = '') => {
    const run = spawnSync(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, '--now', START, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV, input });
    return { status: run.status, stdout: run.stdout, stderr: stripNotices(run.stderr) };
  };

  it("refuses what the screens' schema refuses, with the same words, and exit 1", () => {
    expect(tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
    expect(tally(['member', 'add', '--card', CARD, '--name', 'Kim Minji']).status).toBe(0);
    // history's limit is the contract's (1 to 1000), as at the manager screen.
    expect(tally(['history', '--card', CARD, '--limit', '5000'])).toMatchObject({ status: 1, stderr: 'tally: history: limit: is at most 1000\n' });
    const refused = tally(['--json', 'history', '--card', CARD, '--limit', '0']);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'invalid-input', message: 'history: limit: is at least 1' } });
    expect(tally(['history', '--card', CARD, '--limit', '1000']).status).toBe(0);
  });

  it("member search is the manager screen's search: open before the first manager, then a manager's, PIN on stdin", () => {
    expect(tally(['member', 'search', '--query', 'Minji'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^\S+ {2}Kim Minji {2}\*{9}0018 {2}100 points\n$/) });
    expect(tally(['manager', 'add', '--id', 'M-PARK', '--name', 'Park Jisoo'], '402913\n').status).toBe(0);
    expect(tally(['member', 'search', '--query', 'Minji'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/^tally: A manager must approve this \(member-search\)/) });
    expect(tally(['member', 'search', '--query', 'Minji', '--manager', 'M-PARK'], '111111\n')).toMatchObject({ status: 1, stderr: expect.stringContaining('PIN') });
    const found = tally(['--json', 'member', 'search', '--query', CARD, '--manager', 'M-PARK'], '402913\n');
    expect(found.status).toBe(0);
    expect((JSON.parse(found.stdout) as { members: { name: string; balance: number }[] }).members).toEqual([expect.objectContaining({ name: 'Kim Minji', balance: 100 })]);
    expect(tally(['member', 'search', '--query', 'x', '--manager', 'M-PARK'], '402913\n')).toMatchObject({ status: 1, stderr: 'tally: member-search: query: type at least 2 characters\n' });
  });

  it("member add --referred-by books the referrer's referral bonus with the enrolment; an unknown referrer enrols nobody", () => {
    const friend = '2900000001022';
    const added = tally(['member', 'add', '--card', friend, '--name', 'Park Seojun', '--referred-by', CARD]);
    expect(added).toMatchObject({ status: 0, stdout: expect.stringContaining('Referral bonus for the referrer: 300 points (their balance: 400 points)') });
    const stranger = tally(['member', 'add', '--card', '2900000001039', '--referred-by', '2900000001992']);
    expect(stranger).toMatchObject({ status: 1, stderr: expect.stringContaining("The referrer's card is not a member's card") });
    expect(tally(['balance', '--card', '2900000001039'])).toMatchObject({ status: 1 });
    expect(tally(['balance', '--card', CARD]).stdout).toContain('400 points');
  });
});
