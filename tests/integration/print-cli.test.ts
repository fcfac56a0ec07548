/**
 * Receipt printing through the CLI, as a store scripts it: a printer on a real TCP socket, slips
 * printed after each checkout, a CLI process killed with SIGKILL while its slip was pending (the
 * slip prints exactly once after the restart), reprints, previews, status, the terminal's QR key.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpPrinterEmulator } from '../support/printer-emulator.js';
import { CLI_ENV, REPO, tempDir } from '../support/ledger-fixture.js';

const { dir, cleanup } = tempDir('tally-print-cli-');
const db = join(dir, 'lane.sqlite');
const NOW = '2026-11-24T03:00:00Z'; // a Tuesday
let emulator: TcpPrinterEmulator;

/** Asynchronous on purpose: the emulated printer lives in this process and must keep answering. */
function tally(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, '--now', NOW, ...args], { cwd: dir, encoding: 'utf8', env: CLI_ENV }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const slipsFor = (txn: string): number => emulator.decodePrinted().lines.filter((l) => l.includes(txn)).length;

beforeAll(async () => {
  emulator = await TcpPrinterEmulator.start('ready');
  expect((await tally(['init', '--demo', '--program', join(REPO, 'resources', 'programs', 'classic-krw.json'), '--store', 'S1', '--terminal', 'T1'])).status).toBe(0);
  expect((await tally(['member', 'add', '--card', '2900000000018', '--name', 'Kim Minji'])).status).toBe(0);
  const add = (await tally(['printer', 'add', '--id', 'receipt', '--tcp', `${emulator.host}:${emulator.port}`, '--profile', 'epson-tm-80-42', '--slip-lang', 'en', '--timeout', '1500']));
  expect(add.stdout).toContain(`Printer receipt: TCP ${emulator.host}:${emulator.port}, profile epson-tm-80-42, slips in English`);
});

afterAll(async () => {
  await emulator.close();
  cleanup();
});

describe('printing from the CLI', () => {
  it('prints the slip right after a checkout, the result first', async () => {
    const r = (await tally(['checkout', '--card', '2900000000018', '--amount', '15000', '--txn', 'POS-1']));
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('Checkout POS-1');
    expect(lines.at(-1)).toBe('Receipt printed');
    const text = emulator.decodePrinted().lines.join('\n');
    expect(text).toMatch(/Points earned\s+\+15/);
    expect(text).toMatch(/Balance\s+115 pts/);
    expect(text).toContain('K** M****');
  });

  it('keeps the slip of a process killed while printing, and prints it exactly once after', async () => {
    emulator.hang(true);
    const child = spawn(process.execPath, [join(REPO, 'bin', 'tally.js'), '--db', db, '--now', NOW, 'checkout', '--card', '2900000000018', '--amount', '9000', '--txn', 'POS-KILL'], { cwd: dir, env: CLI_ENV });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out += c;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!out.includes('Balance:')) {
      if (Date.now() > deadline) throw new Error(`checkout did not report: ${out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    // The checkout is committed and reported; the slip is stuck on a hung printer: kill -9.
    child.kill('SIGKILL');
    await exited;
    emulator.hang(false);
    const queue = JSON.parse((await tally(['--json', 'print', 'queue'])).stdout) as { kind: string; state: string; id: number }[];
    expect(queue.filter((j) => j.state === 'pending' || j.state === 'printing')).toHaveLength(1);
    expect(slipsFor('POS-KILL')).toBe(0);
    const run = (await tally(['print', 'run']));
    expect(run.stdout).toContain('Printed 1 slip');
    expect(slipsFor('POS-KILL')).toBe(1);
    expect((await tally(['print', 'run'])).stdout).toContain('Printed 0 slips');
    expect(slipsFor('POS-KILL')).toBe(1);
  });

  it('reprints from history, marked as a reprint', async () => {
    const r = (await tally(['print', 'reprint', '--txn', 'POS-1']));
    expect(r.stdout).toMatch(/Reprint of POS-1 queued as job #\d+\nReceipt printed/);
    expect(emulator.decodePrinted().lines.join('\n')).toContain('REPRINT');
    expect(slipsFor('POS-1')).toBe(2);
  });

  it('prints a test slip', async () => {
    const r = await tally(['printer', 'test']);
    expect(r.stdout).toMatch(/^Test slip queued as job #\d+\nReceipt printed\n$/);
    expect(emulator.decodePrinted().lines.join('\n')).toContain('Printer test');
  });

  it('writes a preview of the same slip as an SVG', async () => {
    const r = (await tally(['print', 'preview', '--txn', 'POS-1', '--out', 'pos-1.svg']));
    expect(r.status).toBe(0);
    const svg = readFileSync(join(dir, 'pos-1.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    // ReceiptLine draws each character in its own <tspan>: read the text without the tags.
    expect(svg.replace(/<[^>]+>/g, '')).toContain('POS-1');
  });

  it('reads the printer status, and says when it is out of paper', async () => {
    expect((await tally(['printer', 'status']))).toMatchObject({ status: 0, stdout: 'receipt: Printer ready\n' });
    emulator.setState('paper-out');
    const out = (await tally(['printer', 'status']));
    expect(out.status).toBe(1);
    expect(out.stdout).toContain('out of paper');
    const sale = (await tally(['checkout', '--card', '2900000000018', '--amount', '1000', '--txn', 'POS-P']));
    expect(sale.status).toBe(0);
    expect(sale.stdout).toMatch(/Receipt kept for printer receipt: Printer out of paper .* \(tally print run\)/);
    emulator.setState('ready');
    expect((await tally(['print', 'run'])).stdout).toContain('Printed 1 slip');
  });

  it('installs a certified terminal key so slips carry a member QR code', async () => {
    expect((await tally(['keys', 'generate', '--id', 'lane-1', '--out', 'lane-1.json'])).status).toBe(0);
    const demoKey = join(REPO, 'resources', 'keys', 'demo-program-signing-key.json');
    const certify = await tally(['keys', 'certify', '--signing-key', demoKey, '--terminal-key', 'lane-1.json', '--store', 'S1', '--terminal', 'T1', '--out', 'lane-1.cert.json', '--valid-days', '365']);
    expect(certify.status).toBe(0);
    expect(existsSync(join(dir, 'lane-1.cert.json'))).toBe(true);
    // A certificate never goes without an expiry, nor longer than 400 days.
    expect((await tally(['keys', 'certify', '--signing-key', demoKey, '--terminal-key', 'lane-1.json', '--store', 'S1', '--terminal', 'T1', '--out', 'x.json'])).stderr).toMatch(/--valid-days is required/);
    expect((await tally(['keys', 'certify', '--signing-key', demoKey, '--terminal-key', 'lane-1.json', '--store', 'S1', '--terminal', 'T1', '--out', 'x.json', '--valid-days', '3650'])).stderr).toMatch(/--valid-days is 1 to 400/);
    const install = await tally(['terminal', 'key', 'install', '--key', 'lane-1.json', '--certificate', 'lane-1.cert.json']);
    expect(install.stdout).toContain('Installed terminal key lane-1 for store S1, terminal T1, certified by demo-2026');
    // The secret is kept beside the ledger, readable by its owner only, and never in the ledger.
    const secret = join(`${db}.secrets`, 'terminal-signing-key.json');
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(statSync(`${db}.secrets`).mode & 0o777).toBe(0o700);
    const secretKey = (JSON.parse(readFileSync(secret, 'utf8')) as { secretKey: string }).secretKey;
    expect(secretKey).toBe((JSON.parse(readFileSync(join(dir, 'lane-1.json'), 'utf8')) as { secretKey: string }).secretKey);
    expect((await tally(['checkout', '--card', '2900000000018', '--amount', '3000', '--txn', 'POS-QR'])).stdout).toContain('Receipt printed');
    expect((await tally(['backup', '--to', 'with-key.sqlite'])).status).toBe(0);
    for (const file of [db, join(dir, 'with-key.sqlite')]) expect(readFileSync(file).includes(secretKey), file).toBe(false);
    const qr = emulator.decodePrinted().qrCodes.at(-1)!;
    expect(qr).toMatch(/^TLY2T\.demo-2026\.lane-1\./);
    // Its expiry comes from the real clock (90 days, the program's memberQrDays), never from --now; so does a reprint's.
    const expiry = (token: string): number => Number(token.split('.')[10]) * 1000;
    expect(Math.abs(expiry(qr) - (Date.now() + 90 * 86_400_000))).toBeLessThan(120_000);
    expect((await tally(['print', 'reprint', '--txn', 'POS-QR'])).status).toBe(0);
    expect((await tally(['print', 'run'])).status).toBe(0);
    const reprinted = emulator.decodePrinted().qrCodes.at(-1)!;
    expect(reprinted).not.toBe(qr);
    expect(Math.abs(expiry(reprinted) - (Date.now() + 90 * 86_400_000))).toBeLessThan(120_000);
    const balance = await tally(['--json', 'balance', '--card', qr]);
    expect(balance.status).toBe(0);
    expect(qr).not.toContain((JSON.parse(balance.stdout) as { memberId: string }).memberId);
    // A certificate for another terminal, or from a key the program did not certify, is refused.
    expect((await tally(['keys', 'certify', '--signing-key', demoKey, '--terminal-key', 'lane-1.json', '--store', 'S1', '--terminal', 'T9', '--out', 't9.cert.json', '--valid-days', '30'])).status).toBe(0);
    const elsewhere = await tally(['terminal', 'key', 'install', '--key', 'lane-1.json', '--certificate', 't9.cert.json']);
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.stderr).toMatch(/The certificate is for store S1, terminal T9; this is store S1, terminal T1/);
    expect((await tally(['keys', 'generate', '--id', 'rogue', '--out', 'rogue.json'])).status).toBe(0);
    expect((await tally(['keys', 'certify', '--signing-key', 'rogue.json', '--terminal-key', 'lane-1.json', '--store', 'S1', '--terminal', 'T1', '--out', 'rogue.cert.json', '--valid-days', '30'])).status).toBe(0);
    const refused = await tally(['terminal', 'key', 'install', '--key', 'lane-1.json', '--certificate', 'rogue.cert.json']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/would not verify at the counter: key rogue is not in the program's cardCodes.verifyKeys/);
  });
});
