import { TallyError } from '../errors.js';
import { programSchema, type Program } from './schema.js';
import { programDocument, type ProgramDocument } from './signature.js';
import { formatIssues } from '../validation.js';

/**
 * Validates a program from already-parsed JSON. `source` names where it came from (a file path)
 * so every message reads "programs/x.json: earn.rate.per: must be greater than zero".
 */
export function parseProgram(json: unknown, source: string): Program {
  const result = programSchema.safeParse(json);
  if (!result.success) {
    const problems = formatIssues(result.error.issues, source);
    throw new TallyError('invalid-program', `Program ${source} is not valid:\n  ${problems.join('\n  ')}`, { problems });
  }
  return result.data;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TallyError('invalid-program', `Program ${source} is not valid JSON: ${reason}`, { problems: [`${source}: ${reason}`] });
  }
}

/** A program file: the program (validated) and its signature, if it carries one. */
export function parseProgramFile(text: string, source: string): { readonly program: Program; readonly document: ProgramDocument } {
  const document = programDocument(parseJson(text, source), source);
  return { program: parseProgram(document.body, source), document };
}

/** Parses program text (JSON) with the same clear errors for a syntax slip; a signature is set aside. */
export function parseProgramText(text: string, source: string): Program {
  return parseProgramFile(text, source).program;
}
