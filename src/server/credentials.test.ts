import { describe, expect, it } from 'vitest';
import { enrolRequestSchema, enrolResponseSchema } from '../contract/sync.js';
import { bearerCredential, credentialHash, ENROLMENT_ALPHABET, enrolmentCodeHash, newCredential, newEnrolmentCode, sha256Hex } from './credentials.js';

describe('enrolment codes and credentials', () => {
  it('makes codes of 12 unambiguous characters that the contract accepts', () => {
    expect(ENROLMENT_ALPHABET).toHaveLength(32);
    expect(ENROLMENT_ALPHABET).not.toMatch(/[IO01]/);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const code = newEnrolmentCode();
      expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
      expect(enrolRequestSchema.shape.code.safeParse(code).success).toBe(true);
      seen.add(code);
    }
    expect(seen.size).toBe(200);
  });

  it('uses every symbol of the alphabet evenly (each byte picks one by its low five bits)', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    let offset = 0;
    const counts = new Map<string, number>();
    const random = (size: number): Uint8Array => {
      const out = all.slice(offset, offset + size);
      offset += size;
      return out;
    };
    for (let i = 0; i < 256 / 12 - 1; i += 1) for (const c of newEnrolmentCode(random).replace(/-/g, '')) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(32);
  });

  it('makes credentials the enrolment answer accepts, and stores only their SHA-256', () => {
    const credential = newCredential();
    expect(credential).toMatch(/^tly_[A-Za-z0-9_-]{43}$/);
    expect(enrolResponseSchema.shape.credential.safeParse(credential).success).toBe(true);
    expect(credentialHash(credential)).toBe(sha256Hex(credential));
    expect(credentialHash(credential)).toMatch(/^[0-9a-f]{64}$/);
    // Plain SHA-256 of the code as typed: any tool can compute the stored hash.
    expect(enrolmentCodeHash('ABCD-EFGH-JKLM')).toBe('97bee7fe7d9adaa62eca78a5372496202f3ace17d90d41adff22d83a2064b371');
  });

  it('reads a bearer credential, and nothing else', () => {
    const credential = newCredential();
    expect(bearerCredential(`Bearer ${credential}`)).toEqual({ ok: true, credential });
    expect(bearerCredential(`bearer  ${credential} `)).toEqual({ ok: true, credential });
    expect(bearerCredential(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(bearerCredential('')).toEqual({ ok: false, reason: 'missing' });
    expect(bearerCredential('Basic dXNlcjpwYXNz')).toEqual({ ok: false, reason: 'malformed' });
    expect(bearerCredential(`Bearer ${credential}x`)).toEqual({ ok: false, reason: 'malformed' });
    expect(bearerCredential(`Bearer ${credential} extra`)).toEqual({ ok: false, reason: 'malformed' });
  });
});
