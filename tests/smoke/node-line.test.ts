/**
 * The smoke suite runs on the Node.js line .ci/smoke-node.sh was given (TALLY_SMOKE_NODE), in a copy
 * of the project whose native modules were built for it: a run on any other Node must fail here, and
 * so must a better-sqlite3 built for another ABI (it refuses to load).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO } from '../support/ledger-fixture.js';

const line = process.env['TALLY_SMOKE_NODE'];

const packageJson = z.object({ engines: z.object({ node: z.string() }) });

/** Whether `version` (1.2.3) satisfies a range written as caret alternatives, `^20.19.0 || ^22.12.0`. */
function satisfiesCarets(version: string, range: string): boolean {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  return range.split('||').some((alternative) => {
    const caret = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(alternative.trim());
    if (!caret) throw new Error(`package.json engines.node is not written as ^X.Y.Z alternatives: "${range}"`);
    const [, wantMajor, wantMinor, wantPatch] = caret.map(Number) as [number, number, number, number];
    return major === wantMajor && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch));
  });
}

describe('the Node.js line under test', () => {
  it('is the Node.js running this suite and every process it starts', () => {
    expect(line, 'TALLY_SMOKE_NODE is not set: run the smoke suite with .ci/smoke-node.sh NODE_MAJOR').toMatch(/^\d+$/);
    expect(process.versions.node.split('.')[0]).toBe(line);
    // The CLI, host and server tests start `process.execPath`: the same Node, not the one on PATH by chance.
    const child = spawnSync(process.execPath, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    expect(child.stdout.trim()).toBe(process.versions.node);
  });

  it("is one package.json's engines accepts", () => {
    const { engines } = packageJson.parse(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')));
    expect(satisfiesCarets(process.versions.node, engines.node), `Node ${process.versions.node} against engines.node "${engines.node}"`).toBe(true);
  });

  it('loads better-sqlite3 built for its ABI', () => {
    const db = new Database(':memory:');
    try {
      const row = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
      expect(row.version).toMatch(/^3\.\d+\.\d+$/);
    } finally {
      db.close();
    }
  });
});
