/**
 * One door in (issue 10, DESIGN "Examples worth following"): the CLI books and reads member data
 * through the handler map the screens use, never around it. This reads the CLI's modules with the
 * TypeScript checker and lists every place that reaches the loyalty service, the ledger, the print
 * queue or the SQLite handle itself (by the type of what is reached, so a renamed variable or a
 * helper's return value cannot hide it). Each such place must be on the allowed list below, with
 * the command it serves and why that command may stay direct; booking and member reads never are.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/ledger-fixture.js';

const CLI_DIR = join(REPO, 'src', 'terminal', 'cli');

/** What a command may not reach around the map, by the file its type is declared in. */
const WATCHED: readonly { readonly name: string; readonly declaredIn: string }[] = [
  { name: 'LoyaltyService', declaredIn: 'src/terminal/loyalty-service.ts' },
  { name: 'Ledger', declaredIn: 'src/terminal/ledger/ledger.ts' },
  { name: 'PrintQueue', declaredIn: 'src/terminal/printing/print-queue.ts' },
  { name: 'Database', declaredIn: 'better-sqlite3' },
];

/**
 * `file: Type.member` → why. The commands that stay direct are the ones about the file itself, the
 * services that have their own process-wide work (sync, end of day, the print worker), head
 * office's tools, and the device diagnostics; the dispatch in src/terminal/cli/main.ts says the same.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  // The door itself: the one place a command's ledger, service and printing stack are made, then handed to the map.
  'main.ts: Ledger.open': 'openLedger / restore: opening the file (every command)',
  'main.ts: Ledger.terminal': 'demo notice, formatter time zone, host demo notice',
  'main.ts: Ledger.program': 'the formatter needs the program (names, currency)',
  'main.ts: Ledger.close': 'closing the file',
  'main.ts: new LoyaltyService': 'serviceFor: the service the map is made over (and the direct commands below use)',
  'main.ts: PrintQueue.openCount': 'withService: offer queued slips to the printers after the command',
  // File commands.
  'main.ts: Ledger.init': 'init: creates the file (there is no terminal to ask yet)',
  'main.ts: Ledger.sequence': 'restore: the epoch the restored copy continues in',
  'main.ts: LoyaltyService.backup': 'backup: copies the file',
  // Services with their own work.
  'main.ts: Ledger.db': 'sync: counts the outbox before pushing it (its own service, src/terminal/sync)',
  'main.ts: LoyaltyService.ledger': 'eod (its own service), terminal key install, card parse, qr issue: see the dispatch comment',
  'main.ts: PrintQueue.enqueue': 'eod --print: the day report slip (end of day is its own service)',
  'main.ts: LoyaltyService.runPeriodic': "periodic: the host's periodic-bookings service, run once (time-driven entries; no request a screen makes)",
  // Head office's tools and diagnostics of codes.
  'main.ts: LoyaltyService.parseCard': "card parse, qr issue: the card-code parser's verdict (a diagnostic), books and reads no member",
  'main.ts: Ledger.memberIdForQrRef': 'card parse: which member a QR reference names (diagnostic of a code)',
  'main.ts: Ledger.member': "qr issue (head office's tool): the member's QR reference, which no method gives a screen",
};

/** Never allowed around the map: these book, or read a member's data. */
const NEVER: readonly string[] = [
  'LoyaltyService.checkout', 'LoyaltyService.returnSale', 'LoyaltyService.enrol', 'LoyaltyService.action', 'LoyaltyService.donate',
  'LoyaltyService.sellMembership', 'LoyaltyService.adjust', 'LoyaltyService.updateMember', 'LoyaltyService.setPin', 'LoyaltyService.eraseMember',
  'LoyaltyService.installProgram', 'LoyaltyService.quote', 'LoyaltyService.history', 'LoyaltyService.summary', 'LoyaltyService.searchMembers',
  'LoyaltyService.verify', 'LoyaltyService.member', 'Ledger.book', 'Ledger.transaction', 'Ledger.history', 'PrintQueue.cancel', 'Database.prepare', 'Database.exec',
];

/** Modules a CLI file may import values from only where the door is made (main.ts); `import type` is free. */
const DOOR_ONLY_IMPORTS = ['terminal/loyalty-service', 'terminal/ledger/ledger', 'terminal/printing/print-queue', 'terminal/sync/spending', 'better-sqlite3'];

interface Reach {
  readonly key: string;
  readonly where: string;
}

function cliFiles(): string[] {
  return readdirSync(CLI_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(CLI_DIR, f));
}

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(REPO, 'tsconfig.node.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!parsed) throw new Error('tsconfig.node.json could not be read');
  return { ...parsed.options, noEmit: true, composite: false, incremental: false, declaration: false, declarationMap: false };
}

/** A program over `files`, plus files that exist only in memory (the probe below). */
function programOf(files: readonly string[], extra: Readonly<Record<string, string>> = {}): ts.Program {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, onError, create) => (name in extra ? ts.createSourceFile(name, extra[name]!, language, true) : getSourceFile.call(host, name, language, onError, create));
  host.fileExists = (name) => name in extra || fileExists.call(host, name);
  host.readFile = (name) => extra[name] ?? readFile.call(host, name);
  return ts.createProgram({ rootNames: [...files, ...Object.keys(extra)], options, host });
}

function watchedName(checker: ts.TypeChecker, expression: ts.Expression): string | undefined {
  const type = checker.getNonNullableType(checker.getTypeAtLocation(expression));
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  const declared = symbol?.declarations?.[0]?.getSourceFile().fileName.split(sep).join('/');
  if (symbol === undefined || declared === undefined) return undefined;
  return WATCHED.find((w) => w.name === symbol.getName() && declared.includes(w.declaredIn.replace(/\.ts$/, '')))?.name;
}

/** Every `x.member` (read or called) and `new X(…)` in `files` where x is of a watched type. */
function reachesAround(program: ts.Program, files: readonly string[]): Reach[] {
  const checker = program.getTypeChecker();
  const found: Reach[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    const short = relative(CLI_DIR, file).split(sep).join('/');
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isTypeNode(node)) return;
      if (ts.isPropertyAccessExpression(node)) {
        const name = watchedName(checker, node.expression);
        if (name !== undefined) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push({ key: `${short}: ${name}.${node.name.text}`, where: `${short}:${line + 1}` });
        }
      }
      if (ts.isNewExpression(node)) {
        const name = watchedName(checker, node);
        if (name !== undefined) found.push({ key: `${short}: new ${name}`, where: short });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** Value imports of the door's own modules outside main.ts. */
function doorImports(program: ts.Program, files: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (file.endsWith(`${sep}main.ts`)) continue;
    const source = program.getSourceFile(file)!;
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const clause = statement.importClause;
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      const specifier = statement.moduleSpecifier.text;
      const target = (specifier.startsWith('.') ? resolve(dirname(file), specifier) : specifier).split(sep).join('/').replace(/\.js$/, '');
      if (!typeOnly && DOOR_ONLY_IMPORTS.some((m) => target.endsWith(m))) found.push(`${relative(CLI_DIR, file)} imports ${specifier}`);
    }
  }
  return found;
}

let files: string[];
let reaches: Reach[];
let program: ts.Program;

beforeAll(() => {
  files = cliFiles();
  program = programOf(files);
  reaches = reachesAround(program, files);
}, 180_000);

describe('the CLI goes through the one door', () => {
  it('reaches the service, the ledger, the print queue or SQLite only where the allowed list says why', () => {
    const outside = [...new Set(reaches.filter((r) => !(r.key in ALLOWED)).map((r) => `${r.key} (${r.where})`))];
    expect(outside).toEqual([]);
  });

  it('keeps no allowance nobody uses (a command that moved to the map gives its allowance up)', () => {
    const used = new Set(reaches.map((r) => r.key));
    expect(Object.keys(ALLOWED).filter((key) => !used.has(key))).toEqual([]);
  });

  it('never allows a booking or a read of member data around the map', () => {
    expect(Object.keys(ALLOWED).filter((key) => NEVER.some((member) => key.endsWith(`: ${member}`)))).toEqual([]);
  });

  it('imports the service, the ledger, the print queue and the spend hold only where the door is made', () => {
    expect(doorImports(program, files)).toEqual([]);
  });

  it('finds a command module that books around the map (the check can fail)', () => {
    const probe = join(CLI_DIR, 'probe-around-the-door.ts');
    const code = [
      "import { LoyaltyService } from '../loyalty-service.js';",
      "import { Ledger } from '../ledger/ledger.js';",
      'export function sneak(ledger: Ledger): number {',
      '  const s = new LoyaltyService(ledger);',
      "  const tx = s.ledger.transaction(() => s.checkout({ card: '1', txnId: 'X', basket: s.amountBasket(100) }));",
      '  return tx.balance;',
      '}',
    ].join('\n');
    const probed = programOf([probe], { [probe]: code });
    expect(reachesAround(probed, [probe]).map((r) => r.key).sort()).toEqual([
      'probe-around-the-door.ts: Ledger.transaction',
      'probe-around-the-door.ts: LoyaltyService.amountBasket',
      'probe-around-the-door.ts: LoyaltyService.checkout',
      'probe-around-the-door.ts: LoyaltyService.ledger',
      'probe-around-the-door.ts: new LoyaltyService',
    ]);
    expect(doorImports(probed, [probe])).toEqual(['probe-around-the-door.ts imports ../loyalty-service.js', 'probe-around-the-door.ts imports ../ledger/ledger.js']);
  }, 180_000);
});
