/**
 * Where a terminal keeps its secrets: outside the ledger, so that no backup, migration copy or
 * restored file carries them. A folder beside the ledger (`<ledger>.secrets/`, mode 0700) holds one
 * file per secret (mode 0600), written to a temporary name, synced and renamed, so a crash leaves
 * either the old secret or the new one. A secret file anyone else can read is refused, as ssh does.
 *
 * An OS keystore (macOS Keychain, Windows DPAPI, libsecret) would be better where there is one; the
 * desktop shell can put one behind this same interface (Electron's safeStorage).
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TallyError } from '../../core/errors.js';

export interface SecretStore {
  /** Where the secrets live, for messages. */
  readonly location: string;
  read(name: string): string | null;
  write(name: string, text: string): void;
  remove(name: string): void;
}

const NAME = /^[a-z0-9-]{1,64}$/;

export function secretsDirFor(ledgerPath: string): string {
  return `${ledgerPath}.secrets`;
}

export class FileSecretStore implements SecretStore {
  constructor(readonly location: string) {}

  private file(name: string): string {
    if (!NAME.test(name)) throw new RangeError(`bad secret name ${name}`);
    return join(this.location, `${name}.json`);
  }

  read(name: string): string | null {
    const file = this.file(name);
    if (!existsSync(file)) return null;
    if (process.platform !== 'win32') {
      const mode = statSync(file).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        throw new TallyError('invalid-input', `${file} can be read by other users (mode ${mode.toString(8)}): a secret must be private. Run: chmod 600 ${file}`);
      }
    }
    return readFileSync(file, 'utf8');
  }

  write(name: string, text: string): void {
    mkdirSync(this.location, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') chmodSync(this.location, 0o700);
    const file = this.file(name);
    const temp = `${file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    if (process.platform === 'win32') return;
    const dir = openSync(this.location, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  remove(name: string): void {
    rmSync(this.file(name), { force: true });
  }
}
