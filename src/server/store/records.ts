/**
 * Rows → records for the reads both stores share. Both schemas use the same column names, so one
 * mapper serves both; PostgreSQL queries select JSON columns as text (`certificate::text`).
 */
import type { TerminalCertificate } from '../../core/card-code/member-qr.js';
import { int, intOrNull, json, text, textOrNull, type Row } from './rows.js';
import type { AlertRecord, EnrolmentCodeRecord, ProgramRecord, StoreRecord, TerminalRecord } from './store.js';

export function storeFromRow(r: Row): StoreRecord {
  return { id: text(r, 'id'), name: text(r, 'name'), timeZone: text(r, 'time_zone'), createdAt: int(r, 'created_at') };
}

export function programFromRow(r: Row): ProgramRecord {
  return { id: text(r, 'id'), version: int(r, 'version'), text: text(r, 'text'), publishedAt: int(r, 'published_at') };
}

function certificate(value: unknown): TerminalCertificate {
  const c = (value ?? {}) as Record<string, unknown>;
  const str = (k: string): string => {
    const v = c[k];
    if (typeof v !== 'string') throw new TypeError(`stored terminal certificate: ${k} is not text`);
    return v;
  };
  const expiresAt = c['expiresAt'];
  if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt)) throw new TypeError('stored terminal certificate: expiresAt is not an integer');
  return {
    issuerKeyId: str('issuerKeyId'),
    terminalKeyId: str('terminalKeyId'),
    storeId: str('storeId'),
    terminalId: str('terminalId'),
    terminalPublicKey: str('terminalPublicKey'),
    expiresAt,
    signature: str('signature'),
  };
}

export function enrolmentCodeFromRow(r: Row): EnrolmentCodeRecord {
  return { storeId: text(r, 'store_id'), terminalId: text(r, 'terminal_id'), expiresAt: int(r, 'expires_at'), usedAt: intOrNull(r, 'used_at') };
}

export function terminalFromRow(r: Row): TerminalRecord {
  const status = text(r, 'status');
  if (status !== 'active' && status !== 'revoked') throw new TypeError(`database column status: unknown terminal status ${status}`);
  return {
    storeId: text(r, 'store_id'),
    terminalId: text(r, 'terminal_id'),
    status,
    enrolledAt: int(r, 'enrolled_at'),
    revokedAt: intOrNull(r, 'revoked_at'),
    keyId: textOrNull(r, 'key_id'),
    certificate: r['certificate'] === null ? null : certificate(json(r, 'certificate')),
  };
}

export function alertFromRow(r: Row): AlertRecord {
  return {
    id: int(r, 'id'),
    kind: text(r, 'kind'),
    storeId: text(r, 'store_id'),
    terminalId: text(r, 'terminal_id'),
    entity: text(r, 'entity'),
    entityId: text(r, 'entity_id'),
    detail: json(r, 'detail'),
    createdAt: int(r, 'created_at'),
  };
}

/** Creating a store again with the same name and time zone is a no-op (its creation time is the first one's). */
export function sameStore(a: StoreRecord, b: StoreRecord): boolean {
  return a.id === b.id && a.name === b.name && a.timeZone === b.timeZone;
}
