/**
 * The counter's receipt printers, configured in the ledger file: how to reach each one (TCP 9100,
 * serial, USB printer class), its profile (paper width, code page, QR support) and the language
 * its slips are printed in.
 */
import type { z } from 'zod';
import { TallyError } from '../../core/errors.js';
import type { Instant } from '../../core/time.js';
import { parseInput } from '../../core/validation.js';
import type { Ledger } from '../ledger/ledger.js';

// One definition with the contract's printer-save method.
export { transportConfigSchema } from '../../contract/printing.js';
import { transportConfigSchema } from '../../contract/printing.js';

export type TransportConfig = z.output<typeof transportConfigSchema>;

export interface PrinterConfig {
  readonly id: string;
  readonly transport: TransportConfig;
  readonly profileId: string;
  readonly language: 'en' | 'ko';
  readonly enabled: boolean;
}

interface PrinterRow {
  id: string;
  transport: string;
  profile: string;
  language: 'en' | 'ko';
  enabled: number;
}

function toConfig(row: PrinterRow): PrinterConfig {
  return { id: row.id, transport: parseInput(transportConfigSchema, JSON.parse(row.transport), `printer ${row.id}`), profileId: row.profile, language: row.language, enabled: row.enabled === 1 };
}

export class PrinterRegistry {
  constructor(private readonly ledger: Ledger) {}

  list(): PrinterConfig[] {
    return (this.ledger.db.prepare('SELECT * FROM printers ORDER BY created_at, id').all() as PrinterRow[]).map(toConfig);
  }

  get(id: string): PrinterConfig | undefined {
    const row = this.ledger.db.prepare('SELECT * FROM printers WHERE id = ?').get(id) as PrinterRow | undefined;
    return row ? toConfig(row) : undefined;
  }

  /** The printer slips go to: the first enabled one. */
  receiptPrinter(): PrinterConfig | undefined {
    return this.list().find((p) => p.enabled);
  }

  /** Adds a printer or changes one (its queued jobs stay with it). */
  save(config: { id: string; transport: unknown; profileId: string; language: 'en' | 'ko'; enabled?: boolean }, now: Instant): PrinterConfig {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(config.id)) throw new TallyError('invalid-input', 'A printer id is 1-32 letters, digits, dots, dashes or underscores');
    const transport = parseInput(transportConfigSchema, config.transport, `printer ${config.id}`);
    this.ledger.db
      .prepare(
        `INSERT INTO printers (id, transport, profile, language, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET transport = excluded.transport, profile = excluded.profile, language = excluded.language, enabled = excluded.enabled, updated_at = excluded.updated_at`,
      )
      .run(config.id, JSON.stringify(transport), config.profileId, config.language, config.enabled === false ? 0 : 1, now, now);
    return this.get(config.id)!;
  }

  setEnabled(id: string, enabled: boolean, now: Instant): void {
    if (this.ledger.db.prepare('UPDATE printers SET enabled = ?, updated_at = ? WHERE id = ?').run(enabled ? 1 : 0, now, id).changes === 0) {
      throw new TallyError('invalid-input', `No printer "${id}"`);
    }
  }
}

export function describeTransport(transport: TransportConfig): string {
  switch (transport.kind) {
    case 'tcp':
      return `TCP ${transport.host}:${transport.port}`;
    case 'serial':
      return `serial ${transport.path} at ${transport.baudRate} baud${transport.rtscts ? ' (RTS/CTS)' : ''}`;
    case 'usb':
      return `USB printer ${transport.path}`;
  }
}
