// Proves the LAYER RULE in eslint.config.js enforces DESIGN.md's table ("Layers and where code
// may run"). It lints code snippets as if they lived in each folder; the files need not exist.
// Without eslint.config.js (or with the layer objects removed) these tests fail.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import type { Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

async function lint(code: string, file: string): Promise<Linter.LintMessage[]> {
  const filePath = path.join(repoRoot, file);
  // A file no config object covers would be "ignored" and silently pass: refuse that.
  expect(await eslint.isPathIgnored(filePath)).toBe(false);
  const [result] = await eslint.lintText(code, { filePath });
  if (result === undefined) throw new Error(`ESLint returned no result for ${file}`);
  return result.messages;
}

/** Asserts exactly one problem: `ruleId`, as an error, naming the layer and DESIGN.md. */
async function expectLayerError(code: string, file: string, ruleId: string, layer: string): Promise<string> {
  const messages = await lint(code, file);
  expect(messages.map((m) => m.ruleId)).toEqual([ruleId]);
  const [message] = messages;
  expect(message?.severity).toBe(2);
  expect(message?.message).toContain('Layer rule');
  expect(message?.message).toContain('DESIGN.md');
  expect(message?.message).toContain(layer);
  return message?.message ?? '';
}

async function expectClean(code: string, file: string): Promise<void> {
  const messages = await lint(code, file);
  expect(messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`)).toEqual([]);
}

describe('layer rule: src/core/ may import nothing with I/O', () => {
  it('rejects node:fs', async () => {
    const message = await expectLayerError(
      "import fs from 'node:fs';\nexport const x = fs;\n",
      'src/core/x.ts',
      'no-restricted-imports',
      'src/core/',
    );
    expect(message).toContain('Node built-in');
  });

  it.each(['fs', 'fs/promises', 'path', 'crypto', 'node:crypto', 'os', 'child_process', 'worker_threads', 'timers'])(
    'rejects the Node built-in %s',
    async (specifier) => {
      await expectLayerError(
        `import * as m from '${specifier}';\nexport const x = m;\n`,
        'src/core/rules/earn.ts',
        'no-restricted-imports',
        'src/core/',
      );
    },
  );

  it('rejects better-sqlite3', async () => {
    const message = await expectLayerError(
      "import Database from 'better-sqlite3';\nexport const x = Database;\n",
      'src/core/x.ts',
      'no-restricted-imports',
      'src/core/',
    );
    expect(message).toContain('better-sqlite3');
  });

  it.each(['electron', 'serialport', '@serialport/parser-readline', 'node-hid', 'pg', 'fastify', 'react', 'react-dom/client'])(
    'rejects the package %s',
    async (specifier) => {
      await expectLayerError(
        `import * as m from '${specifier}';\nexport const x = m;\n`,
        'src/core/x.ts',
        'no-restricted-imports',
        'src/core/',
      );
    },
  );

  it('rejects a relative import reaching src/terminal/', async () => {
    const message = await expectLayerError(
      "import { x } from '../terminal/y.js';\nexport const z = x;\n",
      'src/core/x.ts',
      'no-restricted-imports',
      'src/core/',
    );
    expect(message).toContain('src/terminal/');
  });

  it.each([
    ['src/core/rules/earn.ts', "import type { X } from '../../terminal/ledger/db.js';\nexport type Y = X;\n"],
    ['src/core/x.ts', "export { x } from '../contract/handlers.js';\n"],
    ['src/core/x.ts', "export * from '../server/api.js';\n"],
    ['src/core/x.ts', "import { x } from '../ui/cashier/view.js';\nexport const z = x;\n"],
    ['src/core/x.ts', "import { x } from '../../electron/main/index.js';\nexport const z = x;\n"],
  ])('rejects %s: %s', async (file, code) => {
    await expectLayerError(code, file, 'no-restricted-imports', 'src/core/');
  });

  it.each(['process.env', 'Buffer.from([1])', 'require', '__dirname', 'window', 'document'])(
    'rejects the environment global in `%s`',
    async (expression) => {
      await expectLayerError(
        `export const x = ${expression};\n`,
        'src/core/x.ts',
        'no-restricted-globals',
        'src/core/',
      );
    },
  );

  it('rejects a dynamic import()', async () => {
    await expectLayerError(
      "export const load = () => import('./money.js');\n",
      'src/core/x.ts',
      'no-restricted-syntax',
      'src/core/',
    );
  });

  it('allows imports inside core, including names that only resemble a layer', async () => {
    await expectClean(
      "import { add } from './money.js';\nimport { id } from '../terminal-id.js';\nexport const x = add(id, 1);\n",
      'src/core/rules/earn.ts',
    );
  });
});

describe('layer rule: src/contract/ may import core only', () => {
  it('allows ../core/money.js', async () => {
    await expectClean("import { x } from '../core/money.js';\nexport const y = x;\n", 'src/contract/x.ts');
  });

  it('rejects node:fs and src/terminal/', async () => {
    await expectLayerError(
      "import fs from 'node:fs';\nexport const x = fs;\n",
      'src/contract/x.ts',
      'no-restricted-imports',
      'src/contract/',
    );
    await expectLayerError(
      "import { x } from '../terminal/app.js';\nexport const z = x;\n",
      'src/contract/x.ts',
      'no-restricted-imports',
      'src/contract/',
    );
  });
});

describe('layer rule: src/terminal/ runs in Node, never imports server or ui', () => {
  it('allows node:fs, better-sqlite3, core and contract', async () => {
    await expectClean(
      [
        "import fs from 'node:fs';",
        "import Database from 'better-sqlite3';",
        "import { x } from '../core/money.js';",
        "import { y } from '../../contract/handlers.js';",
        'export const z = [fs, Database, x, y, process.env];',
        '',
      ].join('\n'),
      'src/terminal/ledger/x.ts',
    );
  });

  it('rejects ../server/y.js', async () => {
    const message = await expectLayerError(
      "import { x } from '../server/y.js';\nexport const z = x;\n",
      'src/terminal/x.ts',
      'no-restricted-imports',
      'src/terminal/',
    );
    expect(message).toContain('src/server/');
  });

  it('rejects ui and electron', async () => {
    await expectLayerError(
      "import { x } from '../../ui/bridge/send.js';\nexport const z = x;\n",
      'src/terminal/hosts/x.ts',
      'no-restricted-imports',
      'src/terminal/',
    );
    await expectLayerError(
      "import { app } from 'electron';\nexport const z = app;\n",
      'src/terminal/hosts/x.ts',
      'no-restricted-imports',
      'src/terminal/',
    );
  });
});

describe('layer rule: src/terminal/printing/ never imports the service that calls it', () => {
  it('rejects ../loyalty-service.js, and still the other layers', async () => {
    const message = await expectLayerError(
      "import type { ServiceOptions } from '../loyalty-service.js';\nexport type X = ServiceOptions;\n",
      'src/terminal/printing/x.ts',
      'no-restricted-imports',
      'src/terminal/printing/',
    );
    expect(message).toContain('slip-data.ts');
    await expectLayerError("import { x } from '../../server/y.js';\nexport const z = x;\n", 'src/terminal/printing/x.ts', 'no-restricted-imports', 'src/terminal/');
  });

  it('allows slip data, the ledger, core and contract', async () => {
    await expectClean(
      [
        "import type { SlipSink } from './slip-data.js';",
        "import type { Ledger } from '../ledger/ledger.js';",
        "import type { MemberSummary } from '../../contract/member-summary.js';",
        'export type X = [SlipSink, Ledger, MemberSummary];',
        '',
      ].join('\n'),
      'src/terminal/printing/x.ts',
    );
  });
});

describe('layer rule: src/server/ never imports src/terminal/', () => {
  it('rejects ../terminal/ledger/db.js and node-hid', async () => {
    await expectLayerError(
      "import { x } from '../terminal/ledger/db.js';\nexport const z = x;\n",
      'src/server/x.ts',
      'no-restricted-imports',
      'src/server/',
    );
    await expectLayerError(
      "import HID from 'node-hid';\nexport const z = HID;\n",
      'src/server/x.ts',
      'no-restricted-imports',
      'src/server/',
    );
  });

  it('allows pg, better-sqlite3, node built-ins and core', async () => {
    await expectClean(
      "import pg from 'pg';\nimport Database from 'better-sqlite3';\nimport http from 'node:http';\nimport { x } from '../core/money.js';\nexport const z = [pg, Database, http, x];\n",
      'src/server/storage/x.ts',
    );
  });
});

describe('layer rule: src/ui/ never touches Node', () => {
  it('rejects node:fs, better-sqlite3 and src/terminal/', async () => {
    for (const code of [
      "import fs from 'node:fs';\nexport const x = fs;\n",
      "import Database from 'better-sqlite3';\nexport const x = Database;\n",
      "import { x } from '../../terminal/app.js';\nexport const z = x;\n",
    ]) {
      await expectLayerError(code, 'src/ui/cashier/x.ts', 'no-restricted-imports', 'src/ui/');
    }
  });

  it('allows core and contract', async () => {
    await expectClean(
      "import { x } from '../../core/money.js';\nimport { y } from '../../contract/handlers.js';\nexport const z = [x, y];\n",
      'src/ui/cashier/x.ts',
    );
  });

  it('applies to .tsx components too: no Node, no ws, no electron/ and no src/server/', async () => {
    for (const code of [
      "import fs from 'node:fs';\nexport const X = () => <p>{String(fs)}</p>;\n",
      "import WebSocket from 'ws';\nexport const X = () => <p>{String(WebSocket)}</p>;\n",
      "import { x } from '../../../electron/preload/index.js';\nexport const X = () => <p>{x}</p>;\n",
      "import { x } from '../../server/http/app.js';\nexport const X = () => <p>{x}</p>;\n",
    ]) {
      await expectLayerError(code, 'src/ui/terminal/cashier/x.tsx', 'no-restricted-imports', 'src/ui/');
    }
    await expectClean("import { x } from '../../../core/money.js';\nexport const X = () => <p>{x}</p>;\n", 'src/ui/terminal/cashier/x.tsx');
  });
});

describe('layer rule: electron/main/ reaches the terminal through its host only', () => {
  it('allows electron, Node, the contract and the terminal hosts', async () => {
    await expectClean(
      [
        "import { app } from 'electron';",
        "import path from 'node:path';",
        "import { MAX_MESSAGE_BYTES } from '../../src/contract/messages.js';",
        "import type { ToHost } from '../../src/terminal/hosts/electron/port-protocol.js';",
        "import { refuseOversize } from '../../src/terminal/hosts/exchange.js';",
        'export const z = [app, path, MAX_MESSAGE_BYTES, refuseOversize] as const;',
        'export type T = ToHost;',
        '',
      ].join('\n'),
      'electron/main/x.ts',
    );
  });

  it.each([
    "import { Ledger } from '../../src/terminal/ledger/ledger.js';\nexport const z = Ledger;\n",
    "import { Printing } from '../../src/terminal/printing/printing.js';\nexport const z = Printing;\n",
    "import { x } from '../../src/terminal/loyalty-service.js';\nexport const z = x;\n",
    "import Database from 'better-sqlite3';\nexport const z = Database;\n",
    "import HID from 'node-hid';\nexport const z = HID;\n",
    "import { x } from '../../src/ui/bridge/send.js';\nexport const z = x;\n",
    "import { x } from '../../src/server/http/app.js';\nexport const z = x;\n",
  ])('rejects %s', async (code) => {
    await expectLayerError(code, 'electron/main/x.ts', 'no-restricted-imports', 'electron/main/');
  });
});

describe('layer rule: electron/preload/ is one sandboxed file that requires only electron', () => {
  it('allows electron', async () => {
    await expectClean("import electron = require('electron');\nexport const z = electron;\n", 'electron/preload/index.cts');
  });

  it('rejects anything else, as an import or a require', async () => {
    await expectLayerError("import { MAX_MESSAGE_BYTES } from '../../src/contract/messages.js';\nexport const z = MAX_MESSAGE_BYTES;\n", 'electron/preload/index.cts', 'no-restricted-imports', 'electron/preload/');
    await expectLayerError("import fs from 'node:fs';\nexport const z = fs;\n", 'electron/preload/index.cts', 'no-restricted-imports', 'electron/preload/');
    const messages = await lint("import fs = require('node:fs');\nexport const z = fs;\n", 'electron/preload/index.cts');
    expect(messages.map((m) => m.ruleId).sort()).toEqual(['@typescript-eslint/no-require-imports', 'no-restricted-imports']);
    expect(messages.find((m) => m.ruleId === 'no-restricted-imports')?.message).toContain('electron/preload/');
  });
});
