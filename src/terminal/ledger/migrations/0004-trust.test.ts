/**
 * Migration 0004 on a ledger as version 3 wrote it: the terminal's signing secret leaves the file
 * (and its bytes are gone from it), personal details leave the append-only rows, members get QR
 * references, a terminal on a demo key becomes a demo terminal, and the new triggers hold.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramText } from '../../../core/program/parse.js';
import { programText, tempDir } from '../../../../tests/support/ledger-fixture.js';
import { Ledger } from '../ledger.js';
import { openSqlite } from '../sqlite.js';
import { LATEST_VERSION, MIGRATIONS } from './index.js';
import { migration0003 } from './0003-printing.js';
import { migration0004 } from './0004-trust.js';

const { dir, cleanup } = tempDir('tally-m0004-');
afterAll(cleanup);
const path = join(dir, 'v3.sqlite');
const SECRET = 'c2VjcmV0LXRlcm1pbmFsLWtleS1ieXRlcy0xMjM0NTY';

const enrolRequest = { cards: ['2900000000018'], name: 'Kim Minji', phone: '+82 10-1234-5678', email: 'minji@example.kr', birthday: '1994-11-20', marketingConsent: true };
const slip = { kind: 'checkout', txnId: 'POS-1', member: { id: 'm1', name: 'Kim Minji', card: '2900000000018' }, memberQr: null };

let ledger: Ledger;

beforeAll(() => {
  const db = openSqlite(path);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) m.up(db);
    db.pragma('user_version = 3');
  })();
  const program = parseProgramText(programText('classic-krw'), 'classic-krw.json');
  db.exec(`
    INSERT INTO terminal (singleton, store_id, terminal_id, time_zone, program_id, program_version, epoch, next_seq, created_at)
      VALUES (1, 'S1', 'T1', 'Asia/Seoul', 'classic-krw', 1, 1, 1, 1000);
    INSERT INTO members (id, name, phone, email, birthday, marketing_consent, enrolled_at, enrolled_by, version, updated_at)
      VALUES ('m1', 'Kim Minji', '+82 10-1234-5678', 'minji@example.kr', '1994-11-20', 1, 1000, 'T1', 1, 1000),
             ('m2', NULL, NULL, NULL, NULL, 0, 2000, 'T1', 1, 2000);
    INSERT INTO card_codes (code, member_id, added_at) VALUES ('2900000000018', 'm1', 1000), ('2900000000025', 'm2', 2000);
    INSERT INTO printers (id, transport, profile, language, created_at, updated_at) VALUES ('receipt', '{"kind":"tcp","host":"127.0.0.1"}', 'epson-tm-80', 'en', 1, 1);
  `);
  db.prepare('INSERT INTO programs (id, version, body, installed_at) VALUES (?, 1, ?, 1000)').run(program.id, JSON.stringify(program));
  const txn = db.prepare(`INSERT INTO transactions (id, store_id, terminal_id, kind, txn_id, member_id, request_hash, request, record, result, created_at) VALUES (?, 'S1', 'T1', ?, ?, 'm1', 'h', ?, '{}', '{}', ?)`);
  txn.run('t1', 'enrolment', 'enrol:2900000000018', JSON.stringify(enrolRequest), 1000);
  txn.run('t2', 'checkout', 'POS-1', JSON.stringify({ card: '2900000000018', txnId: 'POS-1' }), 5000);
  db.prepare(`INSERT INTO print_jobs (printer_id, transaction_id, kind, slip, state, next_attempt_at, created_at, updated_at, printed_at) VALUES ('receipt', 't2', 'slip', ?, 'printed', 1, 1, 1, 1)`).run(JSON.stringify(slip));
  db.prepare(`INSERT INTO terminal_credentials (singleton, key_id, secret_key, certificate, installed_at) VALUES (1, 'lane-1', ?, '{}', 1)`).run(SECRET);
  db.close();
  expect(readFileSync(path).includes(SECRET) || readFileSync(`${path}-wal`).includes(SECRET)).toBe(true);
  ledger = Ledger.open(path);
});

afterAll(() => ledger.close());

describe('migration 0004: trust and personal data', () => {
  it('follows 0003', () => {
    expect(migration0004.version).toBe(migration0003.version + 1);
    // Opening it runs every later migration too.
    expect(ledger.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
  });

  it('takes the terminal signing secret out of the ledger, its bytes overwritten, and keeps the 0600 backup of the old file', () => {
    const columns = ledger.db.prepare(`SELECT name FROM pragma_table_info('terminal_credentials')`).pluck().all();
    expect(columns).toEqual(['singleton', 'key_id', 'certificate', 'installed_at']);
    ledger.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path).includes(SECRET)).toBe(false);
    expect(readFileSync(`${path}-wal`).includes(SECRET)).toBe(false);
    const backup = readdirSync(dir).find((f) => f.startsWith('v3.sqlite.v3-') && f.endsWith('.bak'));
    expect(backup).toBeDefined();
    expect(statSync(join(dir, backup!)).mode & 0o777).toBe(0o600);
  });

  it('scrubs personal details from enrolment requests, and keeps only a card’s last digits in stored requests and print jobs', () => {
    const requests = ledger.db.prepare('SELECT id, request FROM transactions ORDER BY id').all() as { id: string; request: string }[];
    expect(JSON.parse(requests[0]!.request)).toEqual({ cards: ['*********0018'], marketingConsent: true });
    expect(JSON.parse(requests[1]!.request)).toEqual({ card: '*********0018', txnId: 'POS-1' });
    const job = JSON.parse(ledger.db.prepare('SELECT slip FROM print_jobs').pluck().get() as string) as typeof slip;
    expect(job.member).toEqual({ id: 'm1', name: null, card: '*********0018' });
    const raw = readFileSync(path).toString('latin1');
    for (const detail of ['minji@example.kr', '+82 10-1234-5678']) expect(raw.split(detail).length - 1, detail).toBeLessThanOrEqual(1);
    // The member record, which erasure can clear, still has them.
    expect(ledger.member('m1')).toMatchObject({ name: 'Kim Minji', email: 'minji@example.kr', erasedAt: null, hasPin: false });
  });

  it('puts the append-only triggers back after scrubbing', () => {
    expect(() => ledger.db.prepare(`UPDATE transactions SET request = '{}' WHERE id = 't1'`).run()).toThrow(/append-only/);
    expect(() => ledger.db.prepare(`UPDATE print_jobs SET slip = '{}'`).run()).toThrow(/content is fixed/);
  });

  it('gives every member an unguessable QR reference of their own', () => {
    const refs = ledger.db.prepare('SELECT qr_ref FROM members ORDER BY id').pluck().all() as string[];
    expect(refs).toHaveLength(2);
    for (const ref of refs) expect(ref).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set(refs).size).toBe(2);
    expect(ledger.memberIdForQrRef(refs[0]!)).toBe('m1');
  });

  it('makes a terminal whose program trusts the published demo key a demo terminal, and remembers its last booking', () => {
    expect(ledger.terminal).toMatchObject({ demo: true, programKeys: [] });
    expect(ledger.lastBookedAt()).toBe(5000);
  });

  it('lets cards go only with an erased member, and keeps an erased member erased', () => {
    expect(() => ledger.db.prepare(`DELETE FROM card_codes WHERE member_id = 'm2'`).run()).toThrow(/only with their member, on erasure/);
    ledger.transaction(() => ledger.eraseMember('m2', { id: 'e1', kind: 'member-erased', memberId: 'm2', period: 'once', detail: { reason: 'asked' } }, 6000));
    expect(ledger.memberIdForCard('2900000000025')).toBeUndefined();
    expect(() => ledger.db.prepare(`UPDATE members SET name = 'Back' WHERE id = 'm2'`).run()).toThrow(/cannot get personal details back/);
    expect(() => ledger.db.prepare(`UPDATE members SET erased_at = NULL WHERE id = 'm2'`).run()).toThrow(/cannot get personal details back/);
  });

  it('keeps used spend codes for good', () => {
    ledger.db.prepare(`INSERT INTO spend_codes (token_id, member_id, transaction_id, used_at) VALUES ('AAAAAAAAAAA', 'm1', 't2', 1)`).run();
    expect(() => ledger.db.prepare(`DELETE FROM spend_codes`).run()).toThrow(/stays used/);
    expect(() => ledger.db.prepare(`INSERT INTO spend_codes (token_id, member_id, transaction_id, used_at) VALUES ('AAAAAAAAAAA', 'm1', 't2', 2)`).run()).toThrow(/UNIQUE/);
  });
});
