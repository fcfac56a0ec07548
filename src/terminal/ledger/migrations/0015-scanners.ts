import type { Migration } from './types.js';

/**
 * The counter's scanners live in the ledger file, beside its printers: the terminal host runs every
 * enabled one under the device supervisor and pushes what it reads to the screens. `transport` is
 * JSON checked by src/terminal/devices/scanner-config.ts on the way in and on the way out (a fixed
 * serial path, a USB-CDC scanner found by vendor/product/serial number, or a HID POS scanner), so a
 * row written by hand is refused with its id rather than opened as something else.
 */
export const migration0015: Migration = {
  version: 15,
  description: 'scanners: the serial and HID scanners the terminal host runs',
  up(db) {
    db.exec(`
      CREATE TABLE scanners (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 32),
        transport TEXT NOT NULL CHECK (json_valid(transport)),
        enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
