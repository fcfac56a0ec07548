import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/ledger-fixture.js';
import { FileSecretStore, secretsDirFor } from './secret-store.js';

const { dir, cleanup } = tempDir('tally-secrets-');
afterAll(cleanup);

describe('FileSecretStore', () => {
  it('keeps each secret in a 0600 file inside a 0700 folder beside the ledger', () => {
    const store = new FileSecretStore(secretsDirFor(join(dir, 'lane.sqlite')));
    expect(store.location).toBe(join(dir, 'lane.sqlite.secrets'));
    expect(store.read('terminal-signing-key')).toBeNull();
    store.write('terminal-signing-key', '{"id":"k"}');
    expect(statSync(store.location).mode & 0o777).toBe(0o700);
    expect(statSync(join(store.location, 'terminal-signing-key.json')).mode & 0o777).toBe(0o600);
    expect(store.read('terminal-signing-key')).toBe('{"id":"k"}');
    store.write('terminal-signing-key', '{"id":"k2"}');
    expect(store.read('terminal-signing-key')).toBe('{"id":"k2"}');
    expect(readdirSync(store.location)).toEqual(['terminal-signing-key.json']);
  });

  it('refuses a secret file other users can read, as ssh does', () => {
    const store = new FileSecretStore(join(dir, 'loose'));
    store.write('terminal-signing-key', 'x');
    chmodSync(join(store.location, 'terminal-signing-key.json'), 0o644);
    expect(() => store.read('terminal-signing-key')).toThrow(/can be read by other users \(mode 644\): a secret must be private/);
    store.remove('terminal-signing-key');
    expect(existsSync(join(store.location, 'terminal-signing-key.json'))).toBe(false);
  });
});
