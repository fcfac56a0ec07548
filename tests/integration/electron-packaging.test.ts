/**
 * The installers' configuration (electron-builder.yml), the workflow that builds them
 * (.github/workflows/installers.yml), and a real packaging run here: electron-builder packs this
 * checkout into an unpacked Linux app, with a stand-in for Electron's binary (which cannot be
 * downloaded here; it carries the fuse wire electron-builder flips) and without the native rebuild
 * for Electron (which needs Electron's headers from the network). What lands in app.asar and
 * beside it is what an installer would install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { listPackage, extractFile } from '@electron/asar';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';
import { minimatch } from 'minimatch';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO, tempDir } from '../support/ledger-fixture.js';

const require = createRequire(import.meta.url);
// js-yaml is what electron-builder reads its configuration with (it ships no types of its own).
const yaml = require('js-yaml') as { load(text: string): unknown };

const builderConfigSchema = z.looseObject({
  appId: z.string(),
  productName: z.string(),
  directories: z.looseObject({ output: z.string() }),
  extraMetadata: z.looseObject({ main: z.string() }),
  files: z.array(z.string()),
  asar: z.literal(true),
  asarUnpack: z.array(z.string()),
  npmRebuild: z.boolean(),
  electronFuses: z.record(z.string(), z.boolean()),
  linux: z.looseObject({ target: z.array(z.string()), icon: z.string(), maintainer: z.string() }),
  win: z.looseObject({ target: z.array(z.string()), icon: z.string() }),
  publish: z.null(),
});
const config = builderConfigSchema.parse(yaml.load(readFileSync(join(REPO, 'electron-builder.yml'), 'utf8')));

const packageJson = z
  .looseObject({ dependencies: z.record(z.string(), z.string()), devDependencies: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')));
const lock = z.looseObject({ packages: z.record(z.string(), z.looseObject({ dev: z.boolean().optional() })) }).parse(JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')));

/** Production packages (not dev in the lock) that carry native code: a binding.gyp, prebuilds, or a .node file. */
function nativeProductionModules(): string[] {
  const found: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev === true || !key.startsWith('node_modules/') || key.includes('/node_modules/', 'node_modules/'.length)) continue;
    const dir = join(REPO, key);
    if (!existsSync(dir)) continue;
    const hasNodeFile = (path: string, depth: number): boolean =>
      readdirSync(path, { withFileTypes: true }).some((d) => (d.isFile() && d.name.endsWith('.node')) || (d.isDirectory() && depth > 0 && d.name !== 'node_modules' && hasNodeFile(join(path, d.name), depth - 1)));
    if (existsSync(join(dir, 'binding.gyp')) || existsSync(join(dir, 'prebuilds')) || hasNodeFile(dir, 3)) found.push(key);
  }
  return found.sort();
}

describe('electron-builder.yml', () => {
  it('is valid by electron-builder’s own schema', async () => {
    await expect(validateConfiguration(config as never, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds Tally for Linux (AppImage, deb) and Windows (NSIS), into release/, publishing nothing', () => {
    expect(config.productName).toBe('Tally');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    // dist/ is the compiler's output: the installers must not land in it.
    expect(config.directories.output).toBe('release');
    expect(config.publish).toBeNull();
  });

  it('starts the app at the built main script, and ships main, preload, the screens and the host', () => {
    expect(config.extraMetadata.main).toBe('dist/electron/main/index.js');
    expect(existsSync(join(REPO, config.extraMetadata.main))).toBe(true);
    const included = (file: string) => config.files.some((p) => !p.startsWith('!') && minimatch(file, p));
    for (const file of ['dist/electron/main/index.js', 'dist/electron/preload/index.cjs', 'dist/bin/data-dir.js', 'dist/ui/terminal/index.html', 'dist/ui/terminal/assets/index-abc123.js', 'dist/src/terminal/hosts/electron/utility-entry.js', 'dist/src/core/money.js', 'dist/src/contract/messages.js', 'resources/programs/classic-krw.json']) {
      expect(included(file), file).toBe(true);
    }
    for (const file of ['dist/src/server/http/app.js', 'src/terminal/hosts/app.ts', 'tests/support/fake-electron.js', 'dist/electron/main/index.js.map', 'dist/electron/main/index.d.ts']) {
      const excluded = !included(file) || config.files.some((p) => p.startsWith('!') && minimatch(file, p.slice(1)));
      expect(excluded, file).toBe(true);
    }
  });

  it('unpacks every native module of the production dependencies from app.asar', () => {
    const natives = nativeProductionModules();
    expect(natives).toEqual(['node_modules/@serialport/bindings-cpp', 'node_modules/better-sqlite3', 'node_modules/node-hid']);
    for (const module of natives) {
      expect(config.asarUnpack.some((p) => minimatch(`${module}/build/Release/x.node`, p) && minimatch(`${module}/package.json`, p)), module).toBe(true);
    }
  });

  it('names no devDependency in what it ships, and rebuilds native modules only here, at packaging', () => {
    const patterns = [...config.files, ...config.asarUnpack].join('\n');
    for (const dev of Object.keys(packageJson.devDependencies)) expect(patterns, dev).not.toContain(`node_modules/${dev}/`);
    expect(patterns).not.toMatch(/(^|\n)node_modules\/\*\*/);
    expect(config.npmRebuild).toBe(true);
    expect(Object.keys(packageJson.dependencies)).not.toContain('electron');
  });

  it('flips the fuses that would let the packaged binary run as Node', () => {
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true });
  });

  it('has a 512×512 icon', () => {
    const icon = PNG.sync.read(readFileSync(join(REPO, 'resources', 'icons', config.linux.icon)));
    expect([icon.width, icon.height]).toEqual([512, 512]);
    expect(config.win.icon).toBe(config.linux.icon);
  });
});

describe('.github/workflows/installers.yml', () => {
  const stepSchema = z.looseObject({ name: z.string().optional(), run: z.string().optional(), uses: z.string().optional(), with: z.record(z.string(), z.unknown()).optional(), env: z.record(z.string(), z.string()).optional() });
  const workflow = z
    .looseObject({
      on: z.looseObject({ push: z.looseObject({ tags: z.array(z.string()) }) }),
      jobs: z.record(
        z.string(),
        z.looseObject({
          'runs-on': z.string(),
          strategy: z.looseObject({ matrix: z.looseObject({ include: z.array(z.looseObject({ os: z.string() })) }) }),
          steps: z.array(stepSchema),
        }),
      ),
    })
    .parse(yaml.load(readFileSync(join(REPO, '.github', 'workflows', 'installers.yml'), 'utf8')));
  const job = workflow.jobs['installers'];

  it('runs on Linux and Windows runners with Node 22, on tags', () => {
    expect(job).toBeDefined();
    expect(job?.strategy.matrix.include.map((m) => m.os)).toEqual(['ubuntu-latest', 'windows-latest']);
    expect(workflow.on.push.tags).toEqual(['v*']);
    expect(job?.steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(22);
  });

  it('installs, fetches Electron, builds, smoke-tests the packaged app and npm start, then builds and uploads the installers', () => {
    const runs = (job?.steps ?? []).map((s) => s.run ?? s.uses ?? '');
    const at = (pattern: RegExp) => {
      const index = runs.findIndex((r) => pattern.test(r));
      expect(index, String(pattern)).toBeGreaterThanOrEqual(0);
      return index;
    };
    const order = [
      at(/^npm ci$/),
      at(/node node_modules\/electron\/install\.js/),
      at(/^npm run build$/),
      at(/bin\/tally\.js .* init --demo/),
      at(/electron-builder \$\{\{ matrix\.platform \}\} dir/),
      at(/xvfb-run -a "\$\{\{ matrix\.unpacked \}\}"/),
      at(/xvfb-run -a npm start/),
      at(/electron-builder .* --prepackaged/),
      at(/^actions\/upload-artifact/),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const smokes = (job?.steps ?? []).filter((s) => s.name?.startsWith('Electron smoke test'));
    expect(smokes).toHaveLength(2);
    for (const step of smokes) expect(step.env?.['TALLY_SMOKE']).toBe('1');
  });
});

describe('a real packaging run (linux, unpacked; a stand-in Electron binary, no native rebuild)', () => {
  const { dir, cleanup } = tempDir('tally-packaging-');
  afterAll(cleanup);
  const out = join(dir, 'release');
  const app = join(out, 'linux-unpacked');
  let asarFiles: Set<string>;
  let log = '';

  beforeAll(() => {
    // Electron's layout, its executable carrying the fuse wire (sentinel, version 1, 8 fuses) that
    // electron-builder flips; electron-builder copies it as the app's executable.
    const fakeDist = join(dir, 'electron-dist');
    mkdirSync(join(fakeDist, 'resources'), { recursive: true });
    const wire = Buffer.concat([Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('11111110')]);
    writeFileSync(join(fakeDist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n# '), wire, Buffer.from('\n')]), { mode: 0o755 });
    writeFileSync(join(fakeDist, 'chrome-sandbox'), '');
    writeFileSync(join(fakeDist, 'version'), 'v45.4.1');
    const cli = join(REPO, 'node_modules', 'electron-builder', 'cli.js');
    const run = spawnSync(process.execPath, [cli, '--linux', 'dir', '--projectDir', REPO, '--publish', 'never', '-c.npmRebuild=false', `-c.electronDist=${fakeDist}`, `-c.directories.output=${out}`], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_BUILDER_CACHE: join(dir, 'cache') },
    });
    log = `${run.stdout}\n${run.stderr}`;
    if (run.status !== 0) throw new Error(`electron-builder failed (${run.status}):\n${log}`);
    asarFiles = new Set(listPackage(join(app, 'resources', 'app.asar'), { isPack: false }).map((f) => f.replaceAll('\\', '/').replace(/^\//, '')));
  }, 300_000);

  it('puts main (as package.json main), the preload, the host and the data-dir helper into app.asar', () => {
    const pkg = JSON.parse(extractFile(join(app, 'resources', 'app.asar'), 'package.json').toString('utf8')) as { main?: string };
    expect(pkg.main).toBe('dist/electron/main/index.js');
    for (const file of ['dist/electron/main/index.js', 'dist/electron/main/desktop.js', 'dist/electron/preload/index.cjs', 'dist/bin/data-dir.js', 'dist/src/terminal/hosts/electron/utility-entry.js', 'dist/src/terminal/ledger/ledger.js', 'dist/src/contract/messages.js']) {
      expect(asarFiles.has(file), file).toBe(true);
    }
    // The first start's setup screen offers the example programs from there (utility-entry.ts).
    for (const file of readdirSync(join(REPO, 'resources', 'programs')).filter((f) => f.endsWith('.json'))) expect(asarFiles.has(`resources/programs/${file}`), file).toBe(true);
    // Every built screen file, when the screens are built (npm run build).
    const ui = join(REPO, 'dist', 'ui', 'terminal');
    const walk = (path: string, rel: string): string[] => readdirSync(path, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(path, d.name), `${rel}${d.name}/`) : [`${rel}${d.name}`]));
    for (const file of existsSync(ui) ? walk(ui, 'dist/ui/terminal/').filter((f) => !f.endsWith('.map')) : []) expect(asarFiles.has(file), file).toBe(true);
  });

  it('ships no server, no tests, no sources and no devDependency', () => {
    const shipped = [...asarFiles];
    expect(shipped.filter((f) => f.startsWith('dist/src/server/') || f.startsWith('tests/') || f.startsWith('src/') || (f.endsWith('.ts') && !f.startsWith('node_modules/')))).toEqual([]);
    for (const dev of Object.keys(packageJson.devDependencies)) expect(shipped.some((f) => f.startsWith(`node_modules/${dev}/`)), dev).toBe(false);
    for (const dep of ['better-sqlite3', 'zod', 'ws', 'serialport']) expect(shipped.some((f) => f.startsWith(`node_modules/${dep}/`)), dep).toBe(true);
  });

  it('keeps the native modules’ compiled files outside the archive, and their sources out', () => {
    const unpacked = join(app, 'resources', 'app.asar.unpacked', 'node_modules');
    expect(statSync(join(unpacked, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')).isFile()).toBe(true);
    expect(existsSync(join(unpacked, 'node-hid', 'prebuilds', 'HID_hidraw-linux-x64', 'node-napi-v4.node'))).toBe(true);
    expect(readdirSync(join(unpacked, '@serialport', 'bindings-cpp', 'prebuilds'))).toContain('linux-x64');
    expect(existsSync(join(unpacked, 'better-sqlite3', 'deps'))).toBe(false);
    expect(existsSync(join(unpacked, 'better-sqlite3', 'build', 'Release', 'test_extension.node'))).toBe(false);
    expect(existsSync(join(unpacked, 'node-hid', 'hidapi'))).toBe(false);
  });

  it('flips the fuses in the app’s executable', () => {
    const binary = readFileSync(join(app, 'tally'));
    const at = binary.indexOf('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX') + 32 + 2;
    // RunAsNode, CookieEncryption (kept), NodeOptions, NodeCliInspect, AsarIntegrity (kept), OnlyLoadAppFromAsar, V8 snapshot (kept), GrantFileProtocolExtraPrivileges.
    expect(binary.subarray(at, at + 8).toString('latin1')).toBe('01001110');
  });
});
