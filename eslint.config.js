// Flat config. Not type-aware on purpose (no parserOptions.project): lint stays fast and
// runs before the build. The type checker already enforces the type-level rules.
//
// The LAYER RULE: DESIGN.md ("Layers and where code may run") says which folder may import
// which. Each folder below gets ONE `no-restricted-imports` object with its complete list,
// because in flat config a later object that sets the same rule replaces the earlier value
// instead of merging with it. tests/integration/layering.test.ts proves the rule fires.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const DESIGN = "DESIGN.md, 'Layers and where code may run'";

// Only syntax characters: ESLint compiles these with the `u` flag, where `\-` is a SyntaxError.
const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Every Node built-in, bare or `node:` prefixed, with or without a subpath (`fs/promises`).
// Taken from Node itself so the list cannot go stale; `_http_agent` style internals included.
const nodeBuiltinsRegex = `^(node:.*|(${[...new Set(builtinModules.map((m) => m.split('/')[0]))]
  .map(escapeRegex)
  .join('|')})(/.*)?)$`;

// Native or environment-bound packages, matched with any subpath (`electron/main`).
const packagesRegex = (names) => `^(${names.map(escapeRegex).join('|')})(/.*)?$`;

// A relative (or src/-rooted) import that reaches another layer's folder, at any depth.
// Hazard: this matches by folder NAME, so a layer must not have a subfolder called like
// another layer (e.g. no src/core/terminal/); `./terminal-id.js` is fine.
const foldersRegex = (folders) =>
  `^(\\.{1,2}/|/|src/)(.*/)?(${folders.map(escapeRegex).join('|')})(/|$)`;

/**
 * One layer's complete `no-restricted-imports` rule.
 * @param {string} layer folder as written in DESIGN.md, e.g. 'src/core/'
 * @param {{ nodeBuiltins?: boolean, packages?: string[], folders?: string[], why: string }} spec
 */
function layerRule(layer, { nodeBuiltins = false, packages = [], folders = [], why }) {
  const prefix = `Layer rule (${DESIGN}): ${layer} ${why}`;
  const patterns = [];
  if (nodeBuiltins) {
    patterns.push({
      regex: nodeBuiltinsRegex,
      message: `${prefix} It may not import Node built-in modules.`,
    });
  }
  if (packages.length > 0) {
    patterns.push({
      regex: packagesRegex(packages),
      message: `${prefix} It may not import ${packages.map((p) => (p.startsWith('@') ? `${p}/*` : p)).join(', ')}.`,
    });
  }
  if (folders.length > 0) {
    patterns.push({
      regex: foldersRegex(folders),
      message: `${prefix} It may not import from ${folders.map((f) => (f === 'electron' ? 'electron/' : `src/${f}/`)).join(', ')}.`,
    });
  }
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const NATIVE = ['better-sqlite3', 'electron', 'serialport', '@serialport', 'node-hid', 'pg'];
const CORE_PACKAGES = [...NATIVE, 'fastify', 'react', 'react-dom'];

const TERMINAL_LAYER = {
  packages: ['electron'],
  folders: ['server', 'ui'],
  why: 'is the terminal backend (Node); it may import src/core/, src/contract/ and native packages.',
};

const CORE_WHY = 'is pure domain code that runs anywhere and may import nothing with I/O.';
const environmentGlobals = ['process', 'Buffer', 'require', '__dirname', '__filename', 'window', 'document'].map(
  (name) => ({
    name,
    message: `Layer rule (${DESIGN}): src/core/ runs anywhere and uses no environment; pass what you need in as an argument.`,
  }),
);

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', '.ci/', '.vitest-tmp/', 'release/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  // Plain JavaScript (bin/, configs) runs in Node.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },

  // ---- LAYER RULE (DESIGN.md table) ----
  {
    files: ['src/core/**'],
    rules: {
      ...layerRule('src/core/', {
        nodeBuiltins: true,
        packages: CORE_PACKAGES,
        folders: ['contract', 'terminal', 'server', 'ui', 'electron'],
        why: CORE_WHY,
      }),
      'no-restricted-globals': ['error', ...environmentGlobals],
      // A dynamic import() escapes no-restricted-imports; core has no reason to load code lazily.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression',
          message: `Layer rule (${DESIGN}): src/core/ ${CORE_WHY} Dynamic import() is not allowed here.`,
        },
      ],
    },
  },
  {
    files: ['src/contract/**'],
    rules: {
      ...layerRule('src/contract/', {
        nodeBuiltins: true,
        packages: CORE_PACKAGES,
        folders: ['terminal', 'server', 'ui', 'electron'],
        why: 'is the typed API between UI and terminal; it runs anywhere and may import only src/core/.',
      }),
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression',
          message: `Layer rule (${DESIGN}): src/contract/ runs anywhere and may import only src/core/. Dynamic import() is not allowed here.`,
        },
      ],
    },
  },
  // The screens (.ts and .tsx) run in a browser or Electron's sandboxed renderer: browser globals,
  // no Node, and of this repository only src/core/ and src/contract/ (the host is reached through the
  // bridge's messages, never imported).
  {
    files: ['src/ui/**/*.ts', 'src/ui/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/ui/**'],
    rules: layerRule('src/ui/', {
      nodeBuiltins: true,
      packages: [...NATIVE, 'fastify', 'ws'],
      folders: ['terminal', 'server', 'electron'],
      why: 'runs in the browser and never touches Node; it may import only src/core/ and src/contract/.',
    }),
  },
  {
    files: ['src/server/**'],
    rules: layerRule('src/server/', {
      packages: ['electron', 'serialport', '@serialport', 'node-hid'],
      folders: ['terminal', 'ui'],
      why: 'is the central server; it may import src/core/ and its own packages, never src/terminal/.',
    }),
  },
  {
    files: ['src/terminal/**'],
    rules: layerRule('src/terminal/', TERMINAL_LAYER),
  },
  // Printing prints what a command booked: the service calls it (through the slip sink), never the
  // other way round, or the two import each other (issue 10's "one door in").
  {
    files: ['src/terminal/printing/**'],
    rules: (() => {
      const rules = layerRule('src/terminal/', TERMINAL_LAYER);
      rules['no-restricted-imports'][1].patterns.push({
        regex: '(^|/)loyalty-service(\\.js)?$',
        message: `Layer rule (${DESIGN}): src/terminal/printing/ is called by the service through its slip sink and may not import loyalty-service (that makes an import circle); slip data lives in printing/slip-data.ts and src/contract/.`,
      });
      return rules;
    })(),
  },
  // Electron's main process reaches the terminal through the host only (its utility process and
  // port protocol): it never opens the ledger, the devices or the printers itself.
  {
    files: ['electron/main/**'],
    rules: (() => {
      const rules = layerRule('electron/main/', {
        packages: ['better-sqlite3', 'serialport', '@serialport', 'node-hid', 'pg', 'fastify', 'react', 'react-dom'],
        folders: ['server', 'ui'],
        why: 'is Electron\'s main process; it may import electron, Node, src/contract/ and the terminal hosts (src/terminal/hosts/).',
      });
      rules['no-restricted-imports'][1].patterns.push({
        regex: '(^|/)src/terminal/(?!hosts(/|$))',
        message: `Layer rule (${DESIGN}): electron/main/ reaches the terminal through its host (src/terminal/hosts/) only, never the ledger, devices or printing around it.`,
      });
      return rules;
    })(),
  },
  // A sandboxed preload is one CommonJS file whose `require` knows only `electron` (and events,
  // timers, url): nothing of ours can be imported (electron/preload/index.cts says why).
  {
    files: ['electron/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!electron$)',
              message: `Layer rule (${DESIGN}): electron/preload/ runs in the sandboxed renderer, where require() knows only electron; it imports nothing else.`,
            },
          ],
        },
      ],
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^electron$'] }],
    },
  },
  // Unit tests beside core and contract code run under vitest in Node: they may read fixtures with
  // node:fs, but still may not reach into other layers or native packages.
  {
    files: ['src/core/**/*.test.ts', 'src/contract/**/*.test.ts'],
    rules: {
      ...layerRule('src/core/ and src/contract/ tests', {
        packages: CORE_PACKAGES,
        folders: ['terminal', 'server', 'ui', 'electron'],
        why: 'run in Node under vitest; they may read fixtures, but test pure code only.',
      }),
      'no-restricted-globals': 'off',
    },
  },
);
