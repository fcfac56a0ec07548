/**
 * Keys whose secret halves are published in this repository (`resources/keys`), so that the
 * example programs and the README can issue member QR codes and sign programs without a server.
 * Anyone can sign with them: a terminal trusts them only in demo mode, which it shows on screen
 * and on every slip, and `init` of a real program refuses a program that lists one.
 */
import type { VerifyKey } from './member-qr.js';

export const DEMO_KEYS: readonly VerifyKey[] = [{ id: 'demo-2026', publicKey: '-GEsmK8unh9kQXC1bZpcHHsz5lJBJeL7z8zpqHmHht8' }];

export function isDemoKey(key: Pick<VerifyKey, 'publicKey'>): boolean {
  return DEMO_KEYS.some((d) => d.publicKey === key.publicKey);
}
