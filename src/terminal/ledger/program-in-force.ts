/**
 * The program in force as this terminal installed it, for the manager screen (`program-current`):
 * the validated program the ledger runs (the same JSON the ledger stored, defaults filled in, so a
 * screen's diff against a new file validated the same way shows only what the file changes), when
 * it was installed and which program key signed it.
 */
import type { ProgramCurrent } from '../../contract/manager-admin.js';
import { TallyError } from '../../core/errors.js';
import type { Ledger } from './ledger.js';

export function programInForce(ledger: Ledger): ProgramCurrent {
  const program = ledger.program;
  const row = ledger.db.prepare('SELECT installed_at, signature FROM programs WHERE id = ? AND version = ?').get(program.id, program.version) as
    | { installed_at: number; signature: string | null }
    | undefined;
  if (!row) throw new TallyError('database-corrupt', `${ledger.path}: program ${program.id} v${program.version} is missing`);
  const signature = row.signature === null ? null : (JSON.parse(row.signature) as { keyId?: unknown });
  return {
    id: program.id,
    version: program.version,
    installedAt: row.installed_at,
    signedWith: typeof signature?.keyId === 'string' ? signature.keyId : null,
    // A round trip through JSON: exactly what a screen receives, and never the live object.
    program: JSON.parse(JSON.stringify(program)) as Record<string, unknown>,
  };
}
