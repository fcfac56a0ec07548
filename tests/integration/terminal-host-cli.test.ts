/**
 * Other `tally` processes beside a running terminal host, all real processes on one real ledger:
 * the host advertises itself beside the ledger (owner-only, removed when it stops; a stale one is
 * replaced, a live one refuses a second host); `tally scan` reaches it, and its screens get the scan
 * as a push with source 'cli' (without a host: exit 4, nothing sent); and CLI commands (`balance`,
 * `checkout`, `verify`) run while the host serves a screen's checkouts, with no "database is
 * locked" reaching anyone and every balance agreeing afterwards.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pushedEventSchema, replySchema, type ScannedCode } from '../../src/contract/messages.js';
import { connect, until, type HostClient } from '../support/host-client.js';
import { CLI_ENV, REPO, stripNotices, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-host-cli-');
afterAll(cleanup);

const BIN = join(REPO, 'bin', 'tally.js');
const CARD = '2900000000018';
const STRIPE = ';4111111111111111=29121010000000000000?';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function tally(db: string, args: readonly string[]): Run {
  const run = spawnSync(process.execPath, [BIN, '--db', db, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same, without blocking this process: several run at once, beside the host. */
function tallyAsync(db: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--db', db, ...args], { cwd: dir, env: CLI_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let n = 0;
function newLane(): string {
  n += 1;
  const db = join(dir, `lane-${n}.sqlite`);
  expect(tally(db, ['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1']).status).toBe(0);
  expect(tally(db, ['member', 'add', '--card', CARD, '--name', 'Kim Minji']).status).toBe(0);
  return db;
}

interface RunningHost {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

const running: RunningHost[] = [];
const clients: HostClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of running.splice(0)) {
    if (h.child.exitCode === null) h.child.kill('SIGTERM');
    await h.exited;
  }
});

async function startHost(db: string, args: readonly string[] = []): Promise<RunningHost> {
  const child = spawn(process.execPath, [BIN, '--db', db, 'host', ...args], { cwd: dir, env: CLI_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /(ws:\/\/127\.0\.0\.1:\d+\/\?secret=[A-Za-z0-9_-]+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`host exited early: ${stderr}`)));
  });
  const host = { child, url, exited, stderr: () => stderr };
  running.push(host);
  return host;
}

async function screen(url: string): Promise<HostClient> {
  const client = await connect(url);
  clients.push(client);
  return client;
}

const scanPush = (message: unknown): ScannedCode | undefined => {
  const event = pushedEventSchema.safeParse(message);
  return event.success && event.data.name === 'scan' ? event.data.data : undefined;
};

/** A pid no process has now: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('tally scan without a running host', () => {
  it('says so and exits 4, for no address, a stale one and a broken one; nothing is sent', () => {
    const db = newLane();
    const none = tally(db, ['scan', CARD]);
    expect(none.status).toBe(4);
    expect(stripNotices(none.stderr)).toMatch(/^tally: No terminal host is running for .*lane-\d+\.sqlite \(none has advertised itself beside the ledger\): the scan reached no screen\. Start one with tally host/m);
    const json = tally(db, ['--json', 'scan', CARD]);
    expect(json.status).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'host-not-running' } });

    writeFileSync(`${db}.host.json`, JSON.stringify({ pid: deadPid(), boot: null, address: '127.0.0.1', port: 9, secret: 'x'.repeat(43), started: '2026-01-01T00:00:00Z' }), { mode: 0o600 });
    const stale = tally(db, ['scan', CARD]);
    expect(stale.status).toBe(4);
    expect(stale.stderr).toMatch(/stopped without closing: its process \d+ is gone/);

    writeFileSync(`${db}.host.json`, '{"pid": ');
    expect(tally(db, ['scan', CARD]).status).toBe(4);
    // Usage: the code is the command's one argument.
    expect(tally(db, ['scan']).status).toBe(2);
    expect(tally(db, ['scan', CARD, 'extra']).status).toBe(2);
  }, 60_000);
});

describe('a running host and tally scan', () => {
  it('advertises itself (0600, replacing a stale address), brings tally scan to its screens, refuses a second host, and removes its address when it stops', async () => {
    const db = newLane();
    const advert = `${db}.host.json`;
    writeFileSync(advert, JSON.stringify({ pid: deadPid(), boot: null, address: '127.0.0.1', port: 9, secret: 'y'.repeat(43), started: '2026-01-01T00:00:00Z' }), { mode: 0o644 });
    const host = await startHost(db);
    const written = JSON.parse(readFileSync(advert, 'utf8')) as { pid: number; port: number; secret: string };
    expect(written.pid).toBe(host.child.pid);
    expect(host.url).toBe(`ws://127.0.0.1:${written.port}/?secret=${written.secret}`);
    expect(statSync(advert).mode & 0o777).toBe(0o600);
    const client = await screen(host.url);

    const found = await tallyAsync(db, ['scan', CARD]);
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toMatch(new RegExp(`^Sent to the terminal host \\(process ${host.child.pid}\\): …0018\\nMember .* — Kim Minji\\n`));
    expect(found.stdout).toMatch(/^Balance: 100 points$/m);
    expect(await until(client, scanPush)).toEqual({ source: 'cli', device: null, code: CARD, shown: '…0018', refused: null, at: expect.any(Number) });

    // A bank card: the screens are told it was one; nobody is shown its number.
    const card = await tallyAsync(db, ['--json', 'scan', STRIPE]);
    expect(card.status).toBe(1);
    expect(JSON.parse(card.stdout)).toMatchObject({ scan: { source: 'cli', code: null, refused: 'bank-card' }, error: { code: 'invalid-card' } });
    expect(`${card.stdout}${card.stderr}`).not.toContain('4111');
    expect(await until(client, scanPush)).toMatchObject({ source: 'cli', code: null, refused: 'bank-card' });

    // The ledger and its devices have an owner: a second host is refused and the address stays the first one's.
    const second = tally(db, ['host']);
    expect(second.status).toBe(1);
    expect(stripNotices(second.stderr)).toMatch(new RegExp(`^tally: A terminal host is already running for .* \\(process ${host.child.pid}, since `, 'm'));
    expect(JSON.parse(readFileSync(advert, 'utf8'))).toMatchObject({ pid: host.child.pid, secret: written.secret });
    client.send({ id: 1, name: 'member-lookup', args: { card: CARD } });
    expect(await until(client, (m) => (replySchema.safeParse(m).success ? m : undefined))).toMatchObject({ type: 'reply', id: 1 });

    host.child.kill('SIGTERM');
    expect(await host.exited).toBe(0);
    expect(existsSync(advert)).toBe(false);
    expect(tally(db, ['scan', CARD]).status).toBe(4);
  }, 90_000);
});

describe('the CLI beside a running host', () => {
  it('balance, checkout and verify run while the host serves checkouts: nothing locked, every balance agrees', async () => {
    const db = newLane();
    // Checkpoints after a second of quiet: once the screen's checkouts are done, they run while the CLI's commands go on.
    const host = await startHost(db, ['--checkpoint-after', '1']);
    const client = await screen(host.url);

    const SCREEN = 30;
    const ROUNDS = 6;
    const screenSide = (async () => {
      const earned: number[] = [];
      for (let i = 0; i < SCREEN; i += 1) {
        client.send({ id: i, name: 'checkout-commit', args: { card: CARD, txnId: `WS-${i}`, basket: { currency: 'KRW', lines: [{ sku: 'AMOUNT', quantity: 1, unitPrice: 10_000 + i * 1_000 }] } } });
        const reply = await until(client, (m) => {
          const parsed = replySchema.safeParse(m);
          return parsed.success && parsed.data.id === i ? parsed.data : undefined;
        });
        expect(reply, `screen checkout ${i}`).toMatchObject({ type: 'reply' });
        earned.push((reply as { result: { earned: number } }).result.earned);
      }
      return earned;
    })();
    const cliSide = (async () => {
      const earned: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const [balance, checkout, verify] = await Promise.all([
          tallyAsync(db, ['--json', 'balance', '--card', CARD]),
          tallyAsync(db, ['--json', 'checkout', '--card', CARD, '--amount', String(50_000 + round * 1_000), '--txn', `CLI-${round}`]),
          tallyAsync(db, ['verify']),
        ]);
        for (const [what, run] of [['balance', balance], ['checkout', checkout], ['verify', verify]] as const) {
          expect(run.status, `${what} in round ${round}: ${run.stderr}`).toBe(0);
          expect(stripNotices(run.stderr).trim(), `${what} in round ${round}`).toBe('');
        }
        expect(verify.stdout).toMatch(/^Ledger OK/);
        earned.push((JSON.parse(checkout.stdout) as { earned: number }).earned);
      }
      return earned;
    })();
    const [fromScreen, fromCli] = await Promise.all([screenSide, cliSide]);

    // Every booking is there once, and the balance is the same wherever it is read.
    const expected = 100 + [...fromScreen, ...fromCli].reduce((sum, e) => sum + e, 0);
    client.send({ id: 'last', name: 'member-lookup', args: { card: CARD } });
    const lookup = (await until(client, (m) => {
      const parsed = replySchema.safeParse(m);
      return parsed.success && parsed.data.id === 'last' ? parsed.data : undefined;
    })) as { result: { balance: number } };
    expect(lookup.result.balance).toBe(expected);
    expect((JSON.parse(tally(db, ['--json', 'balance', '--card', CARD]).stdout) as { balance: number }).balance).toBe(expected);

    host.child.kill('SIGTERM');
    expect(await host.exited).toBe(0);
    expect(stripNotices(host.stderr())).not.toMatch(/busy|locked|unexpected/i);
    const verify = tally(db, ['--json', 'verify']);
    expect(verify.status).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, counts: { members: 1 } });
    expect((JSON.parse(tally(db, ['--json', 'history', '--card', CARD, '--limit', '1000']).stdout) as { entries: { kind: string }[] }).entries.filter((e) => e.kind === 'earn')).toHaveLength(SCREEN + ROUNDS);
  }, 180_000);
});
