/**
 * Ed25519 key files. A program's signing key and head office's program key live only on the
 * central server (these files exist for demos, tests and head-office tooling); a terminal's own key
 * lives in its secret store. A key file is JSON: { id, secretKey, publicKey } (base64url); the public
 * half goes into a program (cardCodes.verifyKeys, programKeys) or a terminal (--program-key).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '../../core/card-code/base64url.js';
import { publicKeyOf, signingKeyFrom, type SigningKey } from '../../core/card-code/member-qr.js';
import { TallyError } from '../../core/errors.js';
import { parseInput } from '../../core/validation.js';
import { readInputFile } from '../input-file.js';

const keyFileSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'is 1-32 letters, digits, - or _'),
  secretKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is a 32-byte key in base64url'),
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is a 32-byte key in base64url'),
});

export interface KeyFile {
  readonly id: string;
  readonly secretKey: string;
  readonly publicKey: string;
}

export function generateKeyFile(id: string): KeyFile {
  const key = signingKeyFrom(id, new Uint8Array(randomBytes(32)));
  return keyFileOf(key);
}

export function keyFileOf(key: SigningKey): KeyFile {
  return { id: key.id, secretKey: toBase64Url(key.secretKey), publicKey: publicKeyOf(key.secretKey) };
}

export function keyFileText(key: KeyFile): string {
  return `${JSON.stringify(key, null, 2)}\n`;
}

export function writeKeyFile(path: string, key: KeyFile): void {
  // wx: never overwrite a key someone may already depend on.
  try {
    writeFileSync(path, keyFileText(key), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TallyError('invalid-input', `${path} already exists; keys are never overwritten`);
    throw error;
  }
}

/** A signing key from a key file's text; `source` names it in messages. */
export function parseSigningKey(text: string, source: string): SigningKey {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    throw new TallyError('invalid-input', `${source} is not a key file: ${(error as Error).message}`);
  }
  const file = parseInput(keyFileSchema, json, source);
  const key = signingKeyFrom(file.id, fromBase64Url(file.secretKey)!);
  if (publicKeyOf(key.secretKey) !== file.publicKey) throw new TallyError('invalid-input', `${source}: the public key does not belong to the secret key`);
  return key;
}

export function readSigningKey(path: string): SigningKey {
  return parseSigningKey(readInputFile(path, 'key file', 64 * 1024), path);
}
