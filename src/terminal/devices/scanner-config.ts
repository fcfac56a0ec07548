/**
 * The counter's scanners, configured in the ledger file (migration 0014), the way its printers are:
 * `tally scanner add` writes one, the terminal host runs every enabled one under DeviceSupervisor.
 * Three ways to reach a scanner, as `tally scanner watch` takes them: a fixed serial path, a USB-CDC
 * scanner found again by vendor/product(/serial number) after a replug, or a HID POS scanner.
 */
import { z } from 'zod';
import { TallyError } from '../../core/errors.js';
import type { Instant } from '../../core/time.js';
import { parseInput } from '../../core/validation.js';
import type { Ledger } from '../ledger/ledger.js';
import type { BaseScanner } from './device.js';
import { describeMatch, type UsbMatch } from './discovery.js';
import { HidScanner } from './hid/hid-scanner.js';
import { SUFFIXES, type Suffix } from './serial/framer.js';
import { SerialScanner, STANDARD_BAUD_RATES } from './serial/serial-scanner.js';

const usbMatchSchema = z.strictObject({
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  serialNumber: z.string().min(1).max(128).optional(),
});

const baudRateSchema = z
  .number()
  .int()
  .refine((rate) => (STANDARD_BAUD_RATES as readonly number[]).includes(rate), `is a standard baud rate (${STANDARD_BAUD_RATES.join(', ')})`)
  .default(9600);

const suffixSchema = z.enum(SUFFIXES as [Suffix, ...Suffix[]]).default('any');

export const scannerTransportSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('serial'), path: z.string().trim().min(1).max(4096), baudRate: baudRateSchema, suffix: suffixSchema }),
  z.strictObject({ kind: z.literal('serial-usb'), usb: usbMatchSchema, baudRate: baudRateSchema, suffix: suffixSchema }),
  z.strictObject({ kind: z.literal('hid'), usb: usbMatchSchema }),
]);

export type ScannerTransport = z.output<typeof scannerTransportSchema>;

type StoredMatch = z.output<typeof usbMatchSchema>;

/** The schema's optional serial number as discovery.ts's UsbMatch has it (absent, never undefined). */
function usbMatch(match: StoredMatch): UsbMatch {
  return { vendorId: match.vendorId, productId: match.productId, ...(match.serialNumber !== undefined ? { serialNumber: match.serialNumber } : {}) };
}

export interface ScannerConfig {
  readonly id: string;
  readonly transport: ScannerTransport;
  readonly enabled: boolean;
}

interface ScannerRow {
  id: string;
  transport: string;
  enabled: number;
}

function toConfig(row: ScannerRow): ScannerConfig {
  return { id: row.id, transport: parseInput(scannerTransportSchema, JSON.parse(row.transport), `scanner ${row.id}`), enabled: row.enabled === 1 };
}

export class ScannerRegistry {
  constructor(private readonly ledger: Ledger) {}

  list(): ScannerConfig[] {
    return (this.ledger.db.prepare('SELECT id, transport, enabled FROM scanners ORDER BY created_at, id').all() as ScannerRow[]).map(toConfig);
  }

  get(id: string): ScannerConfig | undefined {
    const row = this.ledger.db.prepare('SELECT id, transport, enabled FROM scanners WHERE id = ?').get(id) as ScannerRow | undefined;
    return row ? toConfig(row) : undefined;
  }

  /** Adds a scanner or changes one; a running host picks the change up at its next start. */
  save(config: { readonly id: string; readonly transport: unknown; readonly enabled?: boolean }, now: Instant): ScannerConfig {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(config.id)) throw new TallyError('invalid-input', 'A scanner id is 1-32 letters, digits, dots, dashes or underscores');
    const transport = parseInput(scannerTransportSchema, config.transport, `scanner ${config.id}`);
    this.ledger.transaction(() =>
      this.ledger.db
        .prepare(
          `INSERT INTO scanners (id, transport, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET transport = excluded.transport, enabled = excluded.enabled, updated_at = excluded.updated_at`,
        )
        .run(config.id, JSON.stringify(transport), config.enabled === false ? 0 : 1, now, now),
    );
    return this.get(config.id)!;
  }

  remove(id: string): void {
    if (this.ledger.transaction(() => this.ledger.db.prepare('DELETE FROM scanners WHERE id = ?').run(id).changes) === 0) throw new TallyError('invalid-input', `No scanner "${id}"`);
  }
}

export function describeScannerTransport(transport: ScannerTransport): string {
  switch (transport.kind) {
    case 'serial':
      return `serial ${transport.path} at ${transport.baudRate} baud, suffix ${transport.suffix}`;
    case 'serial-usb':
      return `serial scanner on ${describeMatch(usbMatch(transport.usb))} at ${transport.baudRate} baud, suffix ${transport.suffix}`;
    case 'hid':
      return `HID POS scanner on ${describeMatch(usbMatch(transport.usb))}`;
  }
}

export function describeScanner(scanner: ScannerConfig): string {
  return `${scanner.id}: ${describeScannerTransport(scanner.transport)}${scanner.enabled ? '' : ' (disabled)'}`;
}

/** The device for a configured scanner (closed: DeviceSupervisor opens it). */
export function scannerDevice(scanner: ScannerConfig): BaseScanner {
  const t = scanner.transport;
  switch (t.kind) {
    case 'serial':
      return new SerialScanner({ id: scanner.id, path: t.path, baudRate: t.baudRate, framing: { suffix: t.suffix } });
    case 'serial-usb':
      return new SerialScanner({ id: scanner.id, match: usbMatch(t.usb), baudRate: t.baudRate, framing: { suffix: t.suffix } });
    case 'hid':
      return new HidScanner(scanner.id, { match: usbMatch(t.usb) });
  }
}
