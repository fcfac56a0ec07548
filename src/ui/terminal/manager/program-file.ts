/**
 * A program file the manager picked, read in the browser before anything is sent: its JSON, its
 * signature set aside and the program validated by the same schema the host uses (src/core/program),
 * so the diff compares like with like (defaults filled in on both sides) and a file with a mistake
 * is refused here, with the same translated message and problem list the host would give.
 */
import { isTallyError } from '../../../core/errors.js';
import { parseProgram } from '../../../core/program/parse.js';
import { programDocument } from '../../../core/program/signature.js';
import { ContractError } from '../../bridge/contract-error.js';

export type ReadProgram = { readonly ok: true; readonly program: Readonly<Record<string, unknown>>; readonly version: number } | { readonly ok: false; readonly error: ContractError };

export function readProgramText(text: string, source: string): ReadProgram {
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: new ContractError('invalid-program', `Program ${source} is not valid JSON: ${reason}`, { problems: [`${source}: ${reason}`] }) };
    }
    const program = parseProgram(programDocument(json, source).body, source);
    // Through JSON, as the host's program-current arrives: the same shapes on both sides of the diff.
    return { ok: true, program: JSON.parse(JSON.stringify(program)) as Record<string, unknown>, version: program.version };
  } catch (error) {
    if (isTallyError(error)) return { ok: false, error: new ContractError(error.code, error.message, error.details ?? {}) };
    throw error;
  }
}
