/**
 * Turning head office's program file into the one the terminals install. Head office writes the
 * rules; the keys are the server's business: it writes its member-QR public key into
 * `cardCodes.verifyKeys` and its program key into `programKeys`, signs the result with the program
 * key, and checks it exactly as a terminal outside demo mode will (`programTrustProblem`), so a
 * program the server publishes is one every real terminal installs.
 *
 * The file given may list no keys, or only the server's own (a file taken back from the server).
 * Any other key is refused rather than dropped or kept: a key the server does not hold would let
 * someone else sign codes or programs, and the published demo key would let anyone.
 */
import { isDemoKey } from '../core/card-code/demo-keys.js';
import type { VerifyKey } from '../core/card-code/member-qr.js';
import { DEFAULT_CARD_CODES } from '../core/card-code/rules.js';
import { TallyError } from '../core/errors.js';
import { parseProgramFile } from '../core/program/parse.js';
import type { Program } from '../core/program/schema.js';
import { signProgramJson } from '../core/program/signature.js';
import { programTrustProblem } from '../core/program/trust.js';
import { publicHalf, type ServerKeys } from './keys.js';
import type { ProgramRecord } from './store/store.js';

/** What the enrolment answer can carry (`enrolResponseSchema.program`). */
export const MAX_PROGRAM_BYTES = 1024 * 1024;

export interface PreparedProgram {
  readonly program: Program;
  /** The signed file, as published and as sent to terminals. */
  readonly text: string;
}

function refuseForeignKeys(listed: readonly VerifyKey[], own: VerifyKey | undefined, where: string, source: string): void {
  for (const key of listed) {
    if (isDemoKey(key)) {
      throw new TallyError(
        'invalid-program',
        `Program ${source} lists the demo key ${key.id} in ${where}, whose secret is published with Tally: remove it (every real terminal refuses such a program); the server writes its own keys in`,
      );
    }
    if (!own || key.id !== own.id || key.publicKey !== own.publicKey) {
      throw new TallyError('invalid-program', `Program ${source} lists key ${key.id} in ${where}, which this server does not hold: remove it; the server writes its own keys in${own ? ` (${own.id})` : ''}`);
    }
  }
}

/**
 * Refuses a program that lists keys other than this server's (`keys` undefined: the server has none
 * yet, so any listed key is foreign). Checked before the keys are made, so a refused `init` leaves
 * nothing behind.
 */
export function refuseListedKeys(program: Program, keys: ServerKeys | undefined, source: string): void {
  refuseForeignKeys(program.cardCodes.verifyKeys, keys && publicHalf(keys.memberQr), 'cardCodes.verifyKeys', source);
  refuseForeignKeys(program.programKeys, keys && publicHalf(keys.program), 'programKeys', source);
}

export function prepareProgram(text: string, source: string, keys: ServerKeys): PreparedProgram {
  const { program: given, document } = parseProgramFile(text, source);
  const memberQr = publicHalf(keys.memberQr);
  const programKey = publicHalf(keys.program);
  refuseListedKeys(given, keys, source);

  // parseProgramFile accepted it, so the body is an object; its other fields are kept as written.
  const body = document.body as Readonly<Record<string, unknown>>;
  const cardCodes = (body['cardCodes'] as Readonly<Record<string, unknown>> | undefined) ?? { rules: DEFAULT_CARD_CODES.rules };
  const withKeys = { ...body, cardCodes: { ...cardCodes, verifyKeys: [memberQr] }, programKeys: [programKey] };
  const signedText = `${JSON.stringify(signProgramJson(withKeys, keys.program), null, 2)}\n`;
  if (Buffer.byteLength(signedText, 'utf8') > MAX_PROGRAM_BYTES) {
    throw new TallyError('invalid-program', `Program ${source} is larger than ${MAX_PROGRAM_BYTES} bytes once signed: terminals receive it in one answer`);
  }

  // What every terminal will do with it: parse, and check it against the program key it trusts.
  const signed = parseProgramFile(signedText, source);
  const problem = programTrustProblem({ program: signed.program, document: signed.document, source, demo: false, trustedKeys: [programKey] });
  if (problem) throw new TallyError('invalid-program', problem);
  return { program: signed.program, text: signedText };
}

/** `init` publishes the first version; `program publish` only a newer version of the same program. */
export function publicationProblem(next: Program, current: ProgramRecord | undefined, first: boolean): string | null {
  if (first) {
    return current ? `This server already publishes program ${current.id} version ${current.version}: publish a newer version with tally-server program publish --program FILE` : null;
  }
  if (!current) return 'No program is published yet: the first one is published by tally-server init --program FILE';
  if (next.id !== current.id) return `This server publishes program ${current.id}; ${next.id} is another program (one program per server)`;
  if (next.version <= current.version) return `Program ${next.id} version ${next.version} is not newer than the published version ${current.version}: raise "version"`;
  return null;
}
