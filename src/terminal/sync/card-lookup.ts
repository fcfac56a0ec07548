/**
 * A card this terminal has never seen, scanned at the counter: when the terminal is enrolled and the
 * link is up, the server is asked first (a short timeout: a cashier is waiting), and the member's
 * whole state is applied to the ledger, so a member enrolled at another store is served at once.
 * Offline, or on any failure, nothing changes and the command goes on as before (the card is then
 * unknown here, and the cashier is told so); the lookup never blocks a sale for long.
 */
import { existsSync } from 'node:fs';
import { Ledger } from '../ledger/ledger.js';
import { sidecarsAsFound } from '../ledger/database.js';
import { applyPulled } from '../ledger/pulled.js';
import { openSqlite, type SqliteDatabase } from '../ledger/sqlite.js';
import type { SecretStore } from '../trust/secret-store.js';
import { SyncClient } from './client.js';
import { syncSettings } from './sync.js';

/** How long a counter waits for the server before going on without it. */
export const CARD_LOOKUP_TIMEOUT_MS = 1500;

export type CardLookup = 'known' | 'not-enrolled' | 'found' | 'not-found' | 'offline';

/** Plain card codes only: a member QR code names an opaque reference the server does not index. */
const PLAIN_CARD = /^[A-Za-z0-9-]{1,64}$/;

function peekCard(dbPath: string, code: string): 'known' | 'not-enrolled' | 'unknown' {
  const leaveSidecarsAsFound = sidecarsAsFound(dbPath);
  let db: SqliteDatabase | undefined;
  try {
    db = openSqlite(dbPath, { readonly: true, fileMustExist: true });
    const enrolled = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sync_state'`).pluck().get() === 1 && db.prepare('SELECT 1 FROM sync_state').pluck().get() === 1;
    if (!enrolled) return 'not-enrolled';
    return db.prepare('SELECT 1 FROM card_codes WHERE code = ?').pluck().get(code) === 1 ? 'known' : 'unknown';
  } catch {
    // Not a ledger, damaged, busy: the command itself says what is wrong.
    return 'known';
  } finally {
    db?.close();
    leaveSidecarsAsFound();
  }
}

export async function lookUpUnknownCard(
  dbPath: string,
  code: string,
  options: { readonly secrets: (ledger: Ledger) => SecretStore; readonly now: () => number; readonly client?: SyncClient; readonly timeoutMs?: number },
): Promise<{ readonly outcome: CardLookup; readonly reason?: string }> {
  if (!PLAIN_CARD.test(code) || !existsSync(dbPath)) return { outcome: 'known' };
  // A quick look first, on a plain read-only connection: the common case (a known card, or a terminal
  // not enrolled) must not open the ledger twice, nor count as an open (open-check.ts).
  const peek = peekCard(dbPath, code);
  if (peek !== 'unknown') return { outcome: peek };
  const ledger = Ledger.open(dbPath, { check: 'auto' });
  try {
    if (ledger.memberIdForCard(code) !== undefined) return { outcome: 'known' };
    let client = options.client;
    try {
      if (!client) {
        const settings = syncSettings(ledger, options.secrets(ledger));
        client = new SyncClient({ baseUrl: settings.serverUrl, credential: settings.credential, timeoutMs: options.timeoutMs ?? CARD_LOOKUP_TIMEOUT_MS });
      }
      const state = await client.memberByCard(code);
      if (state === null) return { outcome: 'not-found' };
      const now = options.now();
      ledger.transaction(() => applyPulled(ledger.db, state, now));
      return { outcome: 'found' };
    } catch (error) {
      return { outcome: 'offline', reason: error instanceof Error ? error.message : String(error) };
    }
  } finally {
    ledger.close();
  }
}
