import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../core/card-code/demo-keys.js';
import { parseProgramFile } from '../core/program/parse.js';
import { programTrustProblem } from '../core/program/trust.js';
import { ensureServerKeys, publicHalf } from './keys.js';
import { prepareProgram, publicationProblem } from './program.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-server-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { keys } = ensureServerKeys(join(dir, 'data'), Date.parse('2026-03-02T03:00:00Z'));
const other = ensureServerKeys(join(dir, 'other'), Date.parse('2026-03-02T03:00:00Z')).keys;

function example(edit: (p: Record<string, unknown> & { cardCodes?: Record<string, unknown> }) => void = () => {}): string {
  const program = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'resources', 'programs', 'classic-krw.json'), 'utf8')) as Record<string, unknown> & { cardCodes?: Record<string, unknown> };
  delete program.cardCodes!['verifyKeys'];
  edit(program);
  return JSON.stringify(program);
}

describe('preparing a program for publication', () => {
  it("writes the server's keys in, signs it, and a real (non-demo) terminal trusting the program key installs it", () => {
    const { program, text } = prepareProgram(example(), 'classic.json', keys);
    expect(program.cardCodes.verifyKeys).toEqual([publicHalf(keys.memberQr)]);
    expect(program.programKeys).toEqual([publicHalf(keys.program)]);
    const file = parseProgramFile(text, 'published');
    expect(programTrustProblem({ ...file, source: 'published', demo: false, trustedKeys: [publicHalf(keys.program)] })).toBeNull();
    expect(programTrustProblem({ ...file, source: 'published', demo: false, trustedKeys: [publicHalf(other.program)] })).toMatch(/does not trust/);
    // The rules are head office's, untouched.
    expect(file.program.earn).toEqual(parseProgramFile(example(), 'given').program.earn);
  });

  it('accepts a file that lists only its own keys again (taken back from the server), and one without cardCodes', () => {
    const once = prepareProgram(example(), 'classic.json', keys).text;
    expect(prepareProgram(once, 'again.json', keys).program.cardCodes.verifyKeys).toHaveLength(1);
    const bare = prepareProgram(example((p) => delete p.cardCodes), 'bare.json', keys);
    expect(bare.program.cardCodes.rules.map((r) => r.type)).toEqual(['ean13', 'member-qr']);
  });

  it('refuses the demo key and any key the server does not hold', () => {
    expect(() => prepareProgram(example((p) => (p.cardCodes!['verifyKeys'] = DEMO_KEYS)), 'demo.json', keys)).toThrow(/lists the demo key demo-2026 in cardCodes.verifyKeys/);
    expect(() => prepareProgram(example((p) => (p['programKeys'] = DEMO_KEYS)), 'demo.json', keys)).toThrow(/lists the demo key demo-2026 in programKeys/);
    expect(() => prepareProgram(example((p) => (p['programKeys'] = [publicHalf(other.program)])), 'foreign.json', keys)).toThrow(/which this server does not hold/);
    expect(() => prepareProgram('{"format":1', 'broken.json', keys)).toThrow(/not valid JSON/);
  });

  it('publishes a first version once, then only newer versions of the same program', () => {
    const v1 = prepareProgram(example(), 'classic.json', keys).program;
    const held = { id: 'classic-krw', version: 1, text: '', publishedAt: 0 };
    expect(publicationProblem(v1, undefined, true)).toBeNull();
    expect(publicationProblem(v1, held, true)).toMatch(/already publishes/);
    expect(publicationProblem(v1, undefined, false)).toMatch(/No program is published yet/);
    expect(publicationProblem(v1, held, false)).toMatch(/not newer/);
    const v2 = prepareProgram(example((p) => (p['version'] = 2)), 'classic.json', keys).program;
    expect(publicationProblem(v2, held, false)).toBeNull();
    const otherProgram = prepareProgram(example((p) => ((p['id'] = 'another'), (p['version'] = 3))), 'another.json', keys).program;
    expect(publicationProblem(otherProgram, held, false)).toMatch(/another program/);
  });
});
