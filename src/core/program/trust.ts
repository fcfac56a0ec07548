/**
 * Which programs a terminal installs. Outside demo mode a program must be signed by a program key
 * the terminal already trusts (pinned at `init`, rotated by the programs themselves), and may not
 * trust a demo key, whose secret is public. In demo mode anything goes, and the terminal says so on
 * screen and on every slip.
 */
import { isDemoKey } from '../card-code/demo-keys.js';
import type { VerifyKey } from '../card-code/member-qr.js';
import type { Program } from './schema.js';
import { checkProgramSignature, type ProgramDocument } from './signature.js';

export interface TrustFacts {
  readonly program: Program;
  readonly document: ProgramDocument;
  readonly source: string;
  readonly demo: boolean;
  /** The program keys this terminal trusts now. */
  readonly trustedKeys: readonly VerifyKey[];
}

/** Why this terminal must not install the program, or null. */
export function programTrustProblem(facts: TrustFacts): string | null {
  if (facts.demo) return null;
  const { program, source } = facts;
  const demoKeys = [...program.cardCodes.verifyKeys, ...program.programKeys].filter(isDemoKey).map((k) => k.id);
  if (demoKeys.length > 0) {
    return `Program ${source} trusts the demo key ${[...new Set(demoKeys)].join(', ')}, whose secret is published with Tally: anyone could sign member QR codes for it. Put your own keys in the program (tally keys generate), or set up a demo terminal (init --demo)`;
  }
  if (facts.trustedKeys.length === 0) {
    return `This terminal trusts no program key yet: give the program key's public half (--program-key ID:PUBLICKEY, from head office) so that only programs it signed are installed`;
  }
  const trusted = facts.trustedKeys.map((k) => k.id).join(', ');
  switch (checkProgramSignature(facts.document, facts.trustedKeys)) {
    case 'ok':
      return null;
    case 'unsigned':
      return `Program ${source} is not signed: head office signs each program with its program key (tally program sign); this terminal trusts ${trusted}`;
    case 'unknown-key':
      return `Program ${source} is signed with key ${facts.document.signature?.keyId ?? '?'}, which this terminal does not trust (it trusts ${trusted})`;
    case 'bad-signature':
      return `Program ${source} does not match its signature: it was changed after head office signed it`;
  }
}

/** The program keys to trust once this program is installed: the ones it names, else the current ones. */
export function nextTrustedKeys(program: Program, current: readonly VerifyKey[]): readonly VerifyKey[] {
  return program.programKeys.length > 0 ? program.programKeys : current;
}

/** "hq-2026:AbC…" (what `tally keys generate` prints) as a verify key. */
export function parseKeySpec(text: string): VerifyKey | undefined {
  const m = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]{43})$/.exec(text.trim());
  return m ? { id: m[1]!, publicKey: m[2]! } : undefined;
}
