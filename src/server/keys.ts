/**
 * The server's two Ed25519 secrets: the member-QR signing key (it certifies terminal keys and,
 * later, signs members' app and spend codes) and the program key (it signs every program file the
 * terminals install). Whoever holds either can mint codes or programs every counter accepts, so:
 *
 * - each lives in its own file, 0600, inside `<data>/keys/`, 0700; a file or folder that others
 *   can read, or that another user owns, is refused rather than used;
 * - they are created once (on `init`), never overwritten: a new file is written beside the final
 *   name and hard-linked into place, which fails if another process got there first;
 * - the loaded keys hide their secret half from JSON and `util.inspect`, so a log line that
 *   carries one by mistake shows only its id.
 *
 * The public halves go into the program (`cardCodes.verifyKeys`, `programKeys`); the secrets never
 * leave this machine. Running several servers means copying this folder to each (with its modes).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '../core/card-code/base64url.js';
import { publicKeyOf, signingKeyFrom, type SigningKey, type VerifyKey } from '../core/card-code/member-qr.js';
import { TallyError } from '../core/errors.js';

export const KEYS_FOLDER = 'keys';

export type ServerKeyRole = 'member-qr' | 'program';

const FILE_NAMES: Readonly<Record<ServerKeyRole, string>> = {
  'member-qr': 'member-qr-signing-key.json',
  program: 'program-signing-key.json',
};

/** Key ids name the role and the year they were made: "qr-2026-4f1c9a", "program-2026-0b7e21". */
const ID_PREFIX: Readonly<Record<ServerKeyRole, string>> = { 'member-qr': 'qr', program: 'program' };

export interface ServerKeys {
  readonly memberQr: SigningKey;
  readonly program: SigningKey;
}

const keyFileSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  secretKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

export function keysFolder(dataDir: string): string {
  return join(dataDir, KEYS_FOLDER);
}

export function keyFilePath(dataDir: string, role: ServerKeyRole): string {
  return join(keysFolder(dataDir), FILE_NAMES[role]);
}

export function publicHalf(key: SigningKey): VerifyKey {
  return { id: key.id, publicKey: publicKeyOf(key.secretKey) };
}

/** A signing key whose secret does not show in JSON.stringify, a logger or console.log. */
function sealed(key: SigningKey): SigningKey {
  const shown = { id: key.id, secretKey: '[hidden]' };
  const out = { id: key.id };
  Object.defineProperty(out, 'secretKey', { value: key.secretKey, enumerable: false });
  Object.defineProperty(out, 'toJSON', { value: () => shown, enumerable: false });
  Object.defineProperty(out, inspect.custom, { value: () => `SigningKey(${key.id})`, enumerable: false });
  return Object.freeze(out) as SigningKey;
}

/** POSIX modes say nothing on Windows; there the folder's ACL (the user's profile) protects them. */
const CHECK_MODES = process.platform !== 'win32';

function refuseLoose(path: string, what: 'folder' | 'file', mode: number, uid: number): void {
  if (!CHECK_MODES) return;
  if ((mode & 0o077) !== 0) {
    throw new TallyError('invalid-input', `The server key ${what} ${path} can be read or changed by other users (mode ${(mode & 0o777).toString(8)}): chmod ${what === 'folder' ? '700' : '600'} it (and consider the keys leaked if others could read them)`);
  }
  if (typeof process.getuid === 'function' && uid !== process.getuid()) {
    throw new TallyError('invalid-input', `The server key ${what} ${path} belongs to another user: the server refuses keys it does not own`);
  }
}

/** Creates `<data>/keys` (0700) if absent; refuses one that others can read. */
function ensureFolder(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const folder = keysFolder(dataDir);
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  checkFolder(folder);
  return folder;
}

function checkFolder(folder: string): void {
  const stat = lstatSync(folder);
  if (!stat.isDirectory()) throw new TallyError('invalid-input', `${folder} is not a folder: the server keeps its keys there`);
  refuseLoose(folder, 'folder', stat.mode, stat.uid);
}

function readKey(path: string, role: ServerKeyRole): SigningKey | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink planted in the folder is not followed to some other file.
    fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TallyError('invalid-input', `Cannot read the server key ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > 4096) throw new TallyError('invalid-input', `The server key ${path} is not a key file`);
    refuseLoose(path, 'file', stat.mode, stat.uid);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message could quote the file (the secret): say only that it is broken.
    throw new TallyError('invalid-input', `The server key ${path} is not valid JSON: restore it from the server's backup`);
  }
  const file = keyFileSchema.safeParse(json);
  const secret = file.success ? fromBase64Url(file.data.secretKey) : undefined;
  if (!file.success || !secret || secret.length !== 32) throw new TallyError('invalid-input', `The server key ${path} is not a ${role} key file: restore it from the server's backup`);
  if (publicKeyOf(secret) !== file.data.publicKey) throw new TallyError('invalid-input', `The server key ${path}: its public key does not belong to its secret key`);
  return sealed(signingKeyFrom(file.data.id, secret));
}

/** Writes a new key file without ever replacing one: false when another process made it first. */
function createKeyFile(path: string, key: SigningKey): boolean {
  const text = `${JSON.stringify({ id: key.id, secretKey: toBase64Url(key.secretKey), publicKey: publicKeyOf(key.secretKey) }, null, 2)}\n`;
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // link() fails with EEXIST instead of replacing: a key someone may already depend on stays.
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function newKeyId(role: ServerKeyRole, now: number): string {
  return `${ID_PREFIX[role]}-${new Date(now).getUTCFullYear()}-${randomBytes(3).toString('hex')}`;
}

/**
 * The server's keys, made now for any that is missing (`init`). Says which were created so the
 * caller can tell the operator (by id; never the secret).
 */
export function ensureServerKeys(dataDir: string, now: number): { readonly keys: ServerKeys; readonly created: readonly ServerKeyRole[] } {
  ensureFolder(dataDir);
  const created: ServerKeyRole[] = [];
  const load = (role: ServerKeyRole): SigningKey => {
    const path = keyFilePath(dataDir, role);
    const existing = readKey(path, role);
    if (existing) return existing;
    if (createKeyFile(path, signingKeyFrom(newKeyId(role, now), new Uint8Array(randomBytes(32))))) created.push(role);
    const key = readKey(path, role);
    if (!key) throw new TallyError('io-error', `The server key ${path} vanished right after it was written`);
    return key;
  };
  const memberQr = load('member-qr');
  const program = load('program');
  return { keys: { memberQr, program }, created };
}

/** The server's keys as `init` left them, or undefined when it has not run here yet. */
export function loadServerKeys(dataDir: string): ServerKeys | undefined {
  const folder = keysFolder(dataDir);
  try {
    checkFolder(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const memberQr = readKey(keyFilePath(dataDir, 'member-qr'), 'member-qr');
  const program = readKey(keyFilePath(dataDir, 'program'), 'program');
  if (!memberQr && !program) return undefined;
  if (!memberQr || !program) throw new TallyError('invalid-input', `The server's keys in ${folder} are incomplete (one of the two key files is missing): restore the folder from the server's backup`);
  return { memberQr, program };
}
