import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyOf, signText, verifyText } from '../core/card-code/member-qr.js';
import { ensureServerKeys, keyFilePath, keysFolder, loadServerKeys } from './keys.js';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tally-server-keys-'));
  dirs.push(dir);
  return join(dir, 'data');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.parse('2026-03-02T03:00:00Z');

describe('server keys', () => {
  it('makes both keys once, 0600 in a 0700 folder, and reads the same keys back', () => {
    const data = dataDir();
    expect(loadServerKeys(data)).toBeUndefined();
    const made = ensureServerKeys(data, NOW);
    expect([...made.created].sort()).toEqual(['member-qr', 'program']);
    expect(made.keys.memberQr.id).toMatch(/^qr-2026-[0-9a-f]{6}$/);
    expect(made.keys.program.id).toMatch(/^program-2026-[0-9a-f]{6}$/);
    expect(statSync(keysFolder(data)).mode & 0o777).toBe(0o700);
    expect(statSync(keyFilePath(data, 'member-qr')).mode & 0o777).toBe(0o600);
    expect(statSync(keyFilePath(data, 'program')).mode & 0o777).toBe(0o600);

    const again = ensureServerKeys(data, NOW);
    expect(again.created).toEqual([]);
    const loaded = loadServerKeys(data)!;
    expect(loaded.program.id).toBe(made.keys.program.id);
    const signature = signText(loaded.program, 'hello');
    expect(verifyText(publicKeyOf(made.keys.program.secretKey), 'hello', signature)).toBe(true);
  });

  it('never shows a secret in JSON or util.inspect', () => {
    const data = dataDir();
    const { keys } = ensureServerKeys(data, NOW);
    const secret = (JSON.parse(readFileSync(keyFilePath(data, 'program'), 'utf8')) as { secretKey: string }).secretKey;
    expect(JSON.stringify(keys)).not.toContain(secret);
    expect(JSON.stringify(keys)).toContain(keys.program.id);
    expect(inspect(keys, { depth: 5, showHidden: false })).not.toContain(secret);
    expect(`${JSON.stringify({ key: keys.memberQr })}`).toMatch(/"secretKey":"\[hidden\]"/);
  });

  it('refuses key files or a folder that others can read, a symlink, a half-missing pair, a damaged file', () => {
    const data = dataDir();
    ensureServerKeys(data, NOW);
    chmodSync(keyFilePath(data, 'program'), 0o640);
    expect(() => loadServerKeys(data)).toThrow(/can be read or changed by other users \(mode 640\)/);
    chmodSync(keyFilePath(data, 'program'), 0o600);
    chmodSync(keysFolder(data), 0o755);
    expect(() => loadServerKeys(data)).toThrow(/folder .* \(mode 755\)/);
    chmodSync(keysFolder(data), 0o700);

    const text = readFileSync(keyFilePath(data, 'program'), 'utf8');
    unlinkSync(keyFilePath(data, 'program'));
    expect(() => loadServerKeys(data)).toThrow(/incomplete/);
    writeFileSync(join(keysFolder(data), 'elsewhere.json'), text, { mode: 0o600 });
    symlinkSync(join(keysFolder(data), 'elsewhere.json'), keyFilePath(data, 'program'));
    expect(() => loadServerKeys(data)).toThrow(/Cannot read the server key .*ELOOP/);
    unlinkSync(keyFilePath(data, 'program'));
    writeFileSync(keyFilePath(data, 'program'), text.replace(/"secretKey": "[^"]+"/, `"secretKey": "${'A'.repeat(43)}"`), { mode: 0o600 });
    expect(() => loadServerKeys(data)).toThrow(/public key does not belong to its secret key/);
    writeFileSync(keyFilePath(data, 'program'), '{ not json', { mode: 0o600 });
    expect(() => loadServerKeys(data)).toThrow(/is not valid JSON/);
  });
});
