/**
 * What the sync benchmarks share:
 * - terminal ledgers filled through the real counter path (`LoyaltyService`: enrolments, checkouts,
 *   redemptions with a cashier's proof, partial returns), so the outbox holds what a counter writes;
 * - a terminal registered on a server store the way enrolment does it (a one-time code used with a
 *   credential hash and a certificate), through the store API, as the store tests do;
 * - the real `tally-server serve` as a child process on 127.0.0.1 (the server gets its own process,
 *   as in production; the terminal side runs in the benchmark's process).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { certifyTerminalKey, publicKeyOf, signingKeyFrom } from '../src/core/card-code/member-qr.js';
import { isTallyError } from '../src/core/errors.js';
import { credentialHash, enrolmentCodeHash, newCredential, newEnrolmentCode } from '../src/server/credentials.js';
import type { ServerStore } from '../src/server/store/store.js';
import { Ledger } from '../src/terminal/ledger/ledger.js';
import { pendingCount } from '../src/terminal/ledger/outbox.js';
import { LoyaltyService } from '../src/terminal/loyalty-service.js';
import { benchClock, cardCode, programText, randomInt, REPO, seededRandom } from './lib.js';

/** The program the counters run: USD, a welcome bonus, a spend threshold, rewards a checking cashier may approve. */
export const SYNC_PROGRAM = 'sporting-goods-usd';
export const SYNC_TIME_ZONE = 'America/New_York';

export interface Place {
  readonly storeId: string;
  readonly terminalId: string;
}

export interface FilledLedger {
  readonly members: number;
  readonly checkouts: number;
  readonly redemptions: number;
  readonly returns: number;
  /** Pending outbox rows per entity, and in all. */
  readonly outbox: Readonly<Record<'transfer' | 'transaction' | 'member' | 'event', number>>;
  readonly total: number;
  readonly ms: number;
}

export interface FillOptions extends Place {
  /** Stop once the outbox holds at least this many rows. */
  readonly entries: number;
  readonly seed: number;
  /** Card serials start here (terminals of one run must not share cards). */
  readonly firstCard: number;
}

/**
 * A new terminal ledger at `path` with at least `entries` pending outbox rows. About one customer
 * per 12 visits; one visit in eight redeems $10 off (a checking cashier's proof) when the member has
 * the points; one visit in fifteen also returns a third of an earlier sale. The ledger runs with
 * synchronous=OFF while it is filled: it is a template for the benchmark, not a counter's ledger.
 */
export function fillTerminalLedger(path: string, options: FillOptions): FilledLedger {
  const started = Date.now();
  const clock = benchClock();
  const ledger = Ledger.init(path, {
    demo: true,
    storeId: options.storeId,
    terminalId: options.terminalId,
    timeZone: SYNC_TIME_ZONE,
    programText: programText(SYNC_PROGRAM),
    programSource: `${SYNC_PROGRAM}.json`,
    now: clock(),
  });
  try {
    ledger.db.pragma('synchronous = OFF');
    const service = new LoyaltyService(ledger, { clock });
    const random = seededRandom(options.seed);
    let members = 0;
    let checkouts = 0;
    let redemptions = 0;
    let returns = 0;
    const sales: { txnId: string; amount: number }[] = [];
    let pending = 0;
    for (let visit = 0; pending < options.entries; visit += 1) {
      if (members === 0 || visit % 12 === 0) {
        service.enrol({ cards: [cardCode(options.firstCard + members)], marketingConsent: members % 3 === 0, ...(members % 4 === 0 ? { birthday: '1990-06-15' } : {}) });
        members += 1;
      }
      const card = cardCode(options.firstCard + randomInt(random, 0, members - 1));
      const amount = randomInt(random, 5, 400) * 100;
      const txnId = `${options.terminalId}-${visit}`;
      let redeemed = false;
      if (visit % 8 === 7) {
        try {
          service.checkout({ card, txnId, basket: service.amountBasket(amount), redeem: { rewardId: 'ten-off' }, proof: { cashier: 'lee' } });
          redeemed = true;
          redemptions += 1;
        } catch (error) {
          if (!isTallyError(error)) throw error;
        }
      }
      if (!redeemed) service.checkout({ card, txnId, basket: service.amountBasket(amount) });
      checkouts += 1;
      sales.push({ txnId, amount });
      if (visit % 15 === 14) {
        const sale = sales[randomInt(random, 0, sales.length - 1)]!;
        try {
          service.returnSale({ originalTxnId: sale.txnId, returnId: `R-${visit}`, amount: Math.max(100, Math.floor(sale.amount / 3)) });
          returns += 1;
        } catch (error) {
          // A sale already returned in full, or points already spent: the counter would refuse it too.
          if (!isTallyError(error)) throw error;
        }
      }
      if (visit % 64 === 0 || pending + 8 >= options.entries) pending = pendingCount(ledger.db);
    }
    const byEntity = Object.fromEntries(
      (ledger.db.prepare('SELECT entity, count(*) AS n FROM outbox WHERE acked_at IS NULL GROUP BY entity').all() as { entity: string; n: number }[]).map((r) => [r.entity, r.n]),
    ) as Record<string, number>;
    const outbox = { transfer: byEntity['transfer'] ?? 0, transaction: byEntity['transaction'] ?? 0, member: byEntity['member'] ?? 0, event: byEntity['event'] ?? 0 };
    ledger.checkpoint('truncate');
    return { members, checkouts, redemptions, returns, outbox, total: outbox.transfer + outbox.transaction + outbox.member + outbox.event, ms: Date.now() - started };
  } finally {
    ledger.close();
  }
}

/**
 * Registers a terminal on a server store the way `POST /v1/enrol` does (a one-time code used with
 * the credential's hash and a certificate for a terminal key), creating its store if needed.
 * Returns the bearer credential.
 */
export async function registerTerminal(store: ServerStore, place: Place, now: number): Promise<string> {
  if (!(await store.getStore(place.storeId))) await store.createStore({ id: place.storeId, name: `Store ${place.storeId}`, timeZone: SYNC_TIME_ZONE, createdAt: now });
  const codeHash = enrolmentCodeHash(newEnrolmentCode());
  await store.createEnrolmentCode(codeHash, { storeId: place.storeId, terminalId: place.terminalId, expiresAt: now + 3_600_000, usedAt: null });
  const issuer = signingKeyFrom('bench-qr', new Uint8Array(randomBytes(32)));
  const terminalKey = signingKeyFrom(`bench-${place.terminalId}`.slice(0, 32), new Uint8Array(randomBytes(32)));
  const certificate = certifyTerminalKey(issuer, {
    terminalKeyId: terminalKey.id,
    storeId: place.storeId,
    terminalId: place.terminalId,
    terminalPublicKey: publicKeyOf(terminalKey.secretKey),
    expiresAt: now + 365 * 86_400_000,
  });
  const credential = newCredential();
  const used = await store.useEnrolmentCode(codeHash, { credentialHash: credentialHash(credential), keyId: terminalKey.id, certificate, now });
  if (!used.ok) throw new Error(`registering ${place.storeId}/${place.terminalId}: the code was ${used.reason}`);
  return credential;
}

export interface ServerChild {
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM) and waits for the exit; its stderr so far is returned. */
  stop(): Promise<string>;
}

/**
 * `tally-server serve` on 127.0.0.1 and a free port, with the data folder given and, for
 * PostgreSQL, `DATABASE_URL`. Log level `warn`: per-request info lines would go through a pipe into
 * this process, whose event loop is busy with the terminal side (a full pipe would stall the server).
 */
export async function startServerChild(dataDir: string, databaseUrl?: string): Promise<ServerChild> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['TALLY_SERVER_DATA'];
  if (databaseUrl === undefined) delete env['DATABASE_URL'];
  else env['DATABASE_URL'] = databaseUrl;
  // TALLY_BENCH_SERVER_PROFILE=DIR: the server writes a V8 CPU profile there when it stops.
  const profile = process.env['TALLY_BENCH_SERVER_PROFILE'];
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, join(REPO, 'bin', 'tally-server.js'), 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tally-server printed no address within 30 s: ${stderr}`)), 30_000);
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /Tally server listening on (https?:\/\/\S+) \(store: /.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`tally-server exited before listening: ${stderr}`));
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return stderr;
    },
  };
}
