/**
 * How another `tally` process finds the terminal host running on its ledger: the host writes
 * `<ledger>.host.json` beside the ledger (its pid, the boot it runs in, its loopback port and
 * per-start secret, when it started) and removes it when it closes cleanly.
 *
 * - The file holds the secret, so it is made readable by its owner only (0600, as the ledger), and
 *   it appears whole or not at all: written to a temporary name first, then hard-linked into place,
 *   which fails if a file is already there. Two hosts starting at once cannot both advertise.
 * - A file left by a host that did not close (killed, a power cut) is stale: its process is gone,
 *   it ran in an earlier boot, or nothing answers on its port (its pid now names something else).
 *   A stale file is ignored by readers and replaced by the next host. A live one means a host owns
 *   this ledger and its devices already: a second host is refused.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { z } from 'zod';
import { TallyError } from '../../core/errors.js';
import { isoInstant } from '../../core/time.js';
import { currentBoot, processAlive } from '../process-alive.js';

export const hostAdvertSchema = z.strictObject({
  pid: z.number().int().positive(),
  boot: z.string().nullable(),
  address: z.enum(['127.0.0.1', '::1']),
  port: z.number().int().min(1).max(65535),
  secret: z.string().min(16).max(256),
  started: z.string(),
});
export type HostAdvert = z.output<typeof hostAdvertSchema>;

export function advertPath(db: string): string {
  return `${db}.host.json`;
}

/** The advert in the file, or null when there is none or it is not one (a half-written or foreign file). */
export function readAdvert(db: string): HostAdvert | null {
  let text: string;
  try {
    text = readFileSync(advertPath(db), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = hostAdvertSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Whether something accepts a connection on the advertised port within `timeoutMs`. */
function answers(advert: HostAdvert, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect({ host: advert.address, port: advert.port });
  });
}

/** Why an advert names no running host, or null when it may (its process runs in this boot). */
export function staleReason(advert: HostAdvert): string | null {
  const boot = currentBoot();
  if (advert.boot !== null && boot !== null && advert.boot !== boot) return 'it was written before this computer last started';
  if (advert.pid !== process.pid && !processAlive(advert.pid)) return `its process ${advert.pid} is gone`;
  return null;
}

/** Whether the advertised host is running: its process is alive in this boot and it answers on its port. */
export async function advertIsLive(advert: HostAdvert, timeoutMs = 1_000): Promise<boolean> {
  return staleReason(advert) === null && (await answers(advert, timeoutMs));
}

function writeWhole(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Puts `temp` in place as `file` unless a file is there already (false then). */
function placeIfAbsent(temp: string, file: string): boolean {
  if (existsSync(file)) return false;
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: a rename is atomic too, only not exclusive (checked just before).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      renameSync(temp, file);
      return true;
    }
    throw error;
  }
}

export interface Advertisement {
  readonly path: string;
  readonly advert: HostAdvert;
  /** Removes the file if it is still this host's (a clean close). */
  remove(): void;
}

/**
 * Advertises a host serving `db` on loopback `port` with `secret`. Refused (`busy`) while another
 * live host advertises the same ledger; a stale advert is replaced.
 */
export async function advertiseHost(db: string, carrier: { readonly address: '127.0.0.1' | '::1'; readonly port: number; readonly secret: string }, now: () => number = Date.now): Promise<Advertisement> {
  const file = advertPath(db);
  const advert: HostAdvert = { pid: process.pid, boot: currentBoot(), address: carrier.address, port: carrier.port, secret: carrier.secret, started: isoInstant(now()) };
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeWhole(temp, `${JSON.stringify(advert, null, 2)}\n`);
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (placeIfAbsent(temp, file)) break;
      const other = readAdvert(db);
      if (other !== null && (await advertIsLive(other))) {
        throw new TallyError('busy', `A terminal host is already running for ${db} (process ${other.pid}, since ${other.started}): it owns this ledger's scanners and printers. Stop it first, or use it (tally scan reaches it).`, {
          pid: other.pid,
          port: other.port,
        });
      }
      // Stale (or not an advert at all): it goes, and this one takes its place. Hazard: two hosts
      // started within microseconds of each other on a ledger with a stale advert could both get
      // past this; the printer leases still keep them from printing one queue twice.
      if (attempt >= 3) throw new TallyError('busy', `${file} keeps changing (another terminal host starting?): try again`);
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(temp, { force: true });
  }
  return {
    path: file,
    advert,
    remove() {
      try {
        if (readAdvert(db)?.secret === advert.secret) rmSync(file, { force: true });
      } catch {
        // Left behind, it reads as stale (this process is gone): nothing is lost.
      }
    },
  };
}
