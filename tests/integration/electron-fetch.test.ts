/**
 * The first fetch of Electron's binary (what bin/start.js runs once: node_modules/electron/install.js)
 * works on the Node that runs this suite, Node 20 included, although Electron 45 and its
 * downloader (@electron/get 5) declare `engines: node >= 22.12`: npm only warns (EBADENGINE).
 * install.js `require`s @electron/get, an ES module, which Node 20 does from 20.19 on.
 *
 * Electron's release host is not reachable here, so the download comes from a mirror on loopback
 * (ELECTRON_MIRROR, as a company mirror would be set) serving a small zip in Electron's artifact
 * layout and its SHASUMS256.txt: the whole path runs for real (download, checksum, the native
 * unzip, path.txt), into a copy of the electron package, never the shared node_modules.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../support/ledger-fixture.js';

/** A zip archive (stored, no compression) holding `files`. */
function zip(files: { name: string; data: Buffer; mode: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(file.data.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, file.data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the file mode below counts
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(file.data.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100000 | file.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + file.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const { dir, cleanup } = tempDir('tally-electron-fetch-');
const version = (JSON.parse(readFileSync(join(REPO, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
const executable = process.platform === 'win32' ? 'electron.exe' : 'electron';
const artifact = `electron-v${version}-${process.platform}-${process.arch}.zip`;
let server: Server;
const requested: string[] = [];

beforeAll(async () => {
  const archive = zip([
    { name: executable, data: Buffer.from('#!/bin/sh\necho stand-in\n'), mode: 0o755 },
    { name: 'version', data: Buffer.from(version), mode: 0o644 },
  ]);
  const sums = `${createHash('sha256').update(archive).digest('hex')} *${artifact}\n`;
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url === `/v${version}/${artifact}`) res.writeHead(200, { 'content-type': 'application/zip' }).end(archive);
    else if (req.url === `/v${version}/SHASUMS256.txt`) res.writeHead(200, { 'content-type': 'text/plain' }).end(sums);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  cleanup();
});

describe("Electron's first fetch on this Node", () => {
  it(`downloads, checks and unpacks Electron ${version} with node_modules/electron/install.js`, async () => {
    // A copy of the electron package (the files install.js uses); its dependencies resolve from the real node_modules.
    const pkg = join(dir, 'node_modules', 'electron');
    mkdirSync(pkg, { recursive: true });
    for (const file of ['install.js', 'package.json', 'checksums.json']) copyFileSync(join(REPO, 'node_modules', 'electron', file), join(pkg, file));
    const port = (server.address() as AddressInfo).port;
    const child = spawn(process.execPath, [join(pkg, 'install.js')], {
      cwd: pkg,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_PATH: join(REPO, 'node_modules'),
        ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
        // The stand-in is not the real artifact: its checksum comes from the mirror, not checksums.json.
        electron_use_remote_checksums: '1',
        electron_config_cache: join(dir, 'cache'),
        ELECTRON_GET_NO_PROGRESS: '1',
      },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, output).toBe(0);
    expect(requested).toEqual([`/v${version}/${artifact}`, `/v${version}/SHASUMS256.txt`]);
    expect(readFileSync(join(pkg, 'path.txt'), 'utf8')).toBe(executable);
    expect(existsSync(join(pkg, 'dist', executable))).toBe(true);
    expect(readFileSync(join(pkg, 'dist', 'version'), 'utf8')).toBe(version);
  });
});
