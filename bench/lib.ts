/**
 * Small helpers shared by the benchmarks: a seeded PRNG (runs are reproducible), latency
 * percentiles, temp folders on a real disk, and plain formatting. Nothing here touches the ledger.
 */
import { withCheckDigit } from '../src/core/card-code/check-digits.js';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One line of the final table. `pass` is null for figures printed for information only. */
export interface BenchResult {
  readonly name: string;
  readonly figure: string;
  readonly target: string;
  readonly pass: boolean | null;
}

export const REPO = join(import.meta.dirname, '..', '..');

export function programText(name: string): string {
  return readFileSync(join(REPO, 'resources', 'programs', `${name}.json`), 'utf8');
}

/** mulberry32 (src/core/seeded-random.ts): tiny, fast, and good enough to pick members and amounts reproducibly. */
export { seededRandom } from '../src/core/seeded-random.js';

export function randomInt(random: () => number, min: number, maxInclusive: number): number {
  return min + Math.floor(random() * (maxInclusive - min + 1));
}

/**
 * A UUIDv7-shaped id from a millisecond timestamp and the seeded PRNG. Time-ordered like the real
 * ids (so primary-key inserts land at the end of the B-tree the same way), but reproducible.
 */
export function fakeUuidV7(ms: number, random: () => number): string {
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  const time = hex(ms, 12);
  const r = (): number => Math.floor(random() * 0x10000);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(r() & 0xfff, 3)}-${hex(0x8000 | (r() & 0x3fff), 4)}-${hex(r(), 4)}${hex(r(), 4)}${hex(r(), 4)}`;
}

/** In-store EAN-13 member cards: "29", a zero-padded serial, and the GS1 check digit the card rules check. */
export function cardCode(index: number): string {
  return withCheckDigit(`29${String(index).padStart(10, '0')}`, 'gs1-mod10');
}

export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Percentiles (nearest rank) of per-operation times in nanoseconds, returned in milliseconds. */
export function latency(samplesNs: BigUint64Array): Latency {
  const sorted = Float64Array.from(samplesNs, (ns) => Number(ns) / 1e6).sort();
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
  const sum = sorted.reduce((s, x) => s + x, 0);
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] ?? Number.NaN, mean: sum / sorted.length };
}

export function ms(value: number): string {
  if (value < 0.1) return `${(value * 1000).toFixed(1)} µs`;
  if (value < 10) return `${value.toFixed(3)} ms`;
  if (value < 1000) return `${value.toFixed(1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function rss(): number {
  return process.memoryUsage().rss;
}

export function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number (got "${text}")`);
  return value;
}

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export interface TempDir {
  readonly dir: string;
  readonly cleanup: () => void;
}

/**
 * A temp folder under TALLY_BENCH_DIR or the OS temp dir. Durable commits are only meaningful on a
 * real disk (fsync on tmpfs is free), so the caller prints `filesystemOf(dir)`.
 */
export function tempDir(prefix: string): TempDir {
  const dir = mkdtempSync(join(process.env.TALLY_BENCH_DIR ?? tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** "ext4 (/dev/vda mounted on /)": the mount that holds `path`, from /proc/mounts (Linux only). */
export function filesystemOf(path: string): string {
  try {
    const real = realpathSync(path);
    let best: { point: string; type: string; device: string } | undefined;
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [device, point, type] = line.split(' ');
      if (!device || !point || !type) continue;
      const inside = point === '/' || real === point || real.startsWith(`${point}/`);
      if (inside && (!best || point.length > best.point.length)) best = { point, type, device };
    }
    if (!best) return 'unknown filesystem';
    const warning = best.type === 'tmpfs' || best.type === 'ramfs' ? ' — WARNING: in memory, fsync costs nothing here; set TALLY_BENCH_DIR to a disk folder' : '';
    return `${best.type} (${best.device} mounted on ${best.point})${warning}`;
  } catch {
    return 'unknown filesystem (no /proc/mounts)';
  }
}

/** A fixed instant (a Monday, 11:00 in Seoul: not the program's double-points Wednesday) that moves with real time. */
export function benchClock(startIso = '2025-03-03T02:00:00Z'): () => number {
  const start = Date.parse(startIso);
  const real = Date.now();
  return () => start + (Date.now() - real);
}
