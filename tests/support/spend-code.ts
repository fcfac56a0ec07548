/**
 * A member's spend code, as their app would show it: signed with the demo key the example programs
 * trust (the server's job), valid for a minute from `now`. Spending points needs such a proof.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueMemberToken, newTokenId } from '../../src/core/card-code/member-qr.js';
import type { Ledger } from '../../src/terminal/ledger/ledger.js';
import { parseSigningKey } from '../../src/terminal/trust/key-file.js';
import { REPO } from './ledger-fixture.js';

export const DEMO_KEY_FILE = join(REPO, 'resources', 'keys', 'demo-program-signing-key.json');
const demoKey = parseSigningKey(readFileSync(DEMO_KEY_FILE, 'utf8'), 'demo key');

export function spendCode(ledger: Ledger, card: string, now: number, validMs = 60_000): string {
  const memberId = ledger.memberIdForCard(card);
  const ref = memberId === undefined ? null : (ledger.member(memberId)?.qrRef ?? null);
  if (ref === null) throw new Error(`no member QR reference for card ${card}`);
  return issueMemberToken(demoKey, { scope: 'spend', memberRef: ref, tokenId: newTokenId(new Uint8Array(randomBytes(8))), expiresAt: now + validMs });
}
