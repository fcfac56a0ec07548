/**
 * Creates a terminal from the setup screen (src/contract/setup.ts): the ledger (from a server
 * enrolment, a signed program, or an example program for a DEMO terminal), its first manager, and
 * for a demo optionally a demo store. Nothing is left behind when a step fails: a ledger created by
 * a setup that then failed is removed, so the screen can simply be filled in again.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setupArgs, type ExampleProgram, type SetupArgs, type SetupOutcome } from '../../contract/setup.js';
import { TallyError } from '../../core/errors.js';
import { isTimeZone } from '../../core/time.js';
import { parseInput } from '../../core/validation.js';
import { Ledger, readProgramFile } from '../ledger/ledger.js';
import { enrolTerminal } from '../sync/enrol.js';
import { ManagerRoster } from '../trust/managers.js';
import { weakPinReason } from '../trust/pin.js';
import { seedDemoStore } from './demo-store.js';

export interface SetupOptions {
  /** Where the example programs are (resources/programs). */
  readonly programsDir: string;
  /** The real time. */
  readonly now: () => number;
}

/** The example programs a demo can start from, as the setup screen lists them. */
export function examplePrograms(programsDir: string): ExampleProgram[] {
  let files: string[];
  try {
    files = readdirSync(programsDir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    try {
      const { program } = readProgramFile(readFileSync(join(programsDir, f), 'utf8'), f);
      return [{ id: f.slice(0, -'.json'.length), programId: program.id, name: program.name, currency: program.currency, timeZone: program.timeZone ?? null }];
    } catch {
      // A file that is not a valid program is not offered.
      return [];
    }
  });
}

function ledgerFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
}

export async function setupTerminal(dbPath: string, input: SetupArgs, options: SetupOptions): Promise<SetupOutcome> {
  const args = parseInput(setupArgs, input, 'setup');
  if (existsSync(dbPath)) throw new TallyError('already-initialised', `This terminal is already set up (${dbPath}); nothing was changed`);
  // Checked before anything is created: a refused PIN must not leave a half-made terminal.
  const weak = weakPinReason(args.manager.pin);
  if (weak !== null) throw new TallyError('invalid-input', `The manager's PIN cannot be used: ${weak}`);
  mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 });
  const now = options.now();
  let created = false;
  try {
    let seeded = { members: 0, checkouts: 0 };
    if (args.mode === 'server') {
      created = true;
      await enrolTerminal({ dbPath, serverUrl: args.serverUrl, code: args.code, now });
    } else {
      const text = args.mode === 'demo' ? exampleText(options.programsDir, args.program) : args.document;
      const { program } = readProgramFile(text, args.mode === 'demo' ? `${args.program}.json` : 'the program file');
      const timeZone = args.timeZone ?? program.timeZone;
      if (timeZone === undefined) throw new TallyError('invalid-input', 'The program names no time zone: choose the store’s');
      if (!isTimeZone(timeZone)) throw new TallyError('invalid-input', `Unknown time zone "${timeZone}" (an IANA name such as Asia/Seoul)`);
      created = true;
      const ledger = Ledger.init(dbPath, {
        storeId: args.storeId,
        terminalId: args.terminalId,
        timeZone,
        programText: text,
        programSource: args.mode === 'demo' ? `${args.program}.json` : 'setup',
        // A demo's history starts two weeks back; its ledger must be older than its first booking.
        now: args.mode === 'demo' && args.seed ? now - 15 * 86_400_000 : now,
        demo: args.mode === 'demo',
        ...(args.mode === 'program' ? { programKeys: args.programKeys } : {}),
      });
      ledger.close();
    }
    const ledger = Ledger.open(dbPath);
    try {
      new ManagerRoster(ledger, options.now).add({ id: args.manager.managerId, name: args.manager.name, pin: args.manager.pin }, null);
      if (args.mode === 'demo' && args.seed) seeded = seedDemoStore(ledger, { now });
      const { storeId, terminalId, timeZone, demo } = ledger.terminal;
      return { storeId, terminalId, timeZone, programId: ledger.program.id, programVersion: ledger.program.version, demo, managerId: args.manager.managerId, seeded };
    } finally {
      ledger.close();
    }
  } catch (error) {
    if (created) for (const file of ledgerFiles(dbPath)) rmSync(file, { force: true });
    throw error;
  }
}

function exampleText(programsDir: string, id: string): string {
  const path = join(programsDir, `${id}.json`);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new TallyError('invalid-input', `There is no example program "${id}"`);
  }
}
