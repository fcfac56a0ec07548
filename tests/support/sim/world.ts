/**
 * The simulated chain: one central server (the real Fastify app on a real SQLite store file or a
 * fresh PostgreSQL database, ./server.ts, reached in-process through the simulated network) and N
 * terminals (real ledger files, the real loyalty service, the real sync client), all on the
 * simulated clock. Everything the code under test lets a caller inject comes from the seed: ids
 * of transfers, transactions and members, member QR references, the server's keys, credentials and
 * enrolment codes, every clock. What it does not let a caller inject — the terminal's own QR
 * signing key at enrolment — never reaches the data the simulation compares.
 *
 * Terminals are opened, crashed (their SQLite connection closed without the clean-close
 * bookkeeping, as a killed process leaves it), reopened and restored from backups here; the steps
 * that drive them are in actions.ts.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { signingKeyFrom } from '../../../src/core/card-code/member-qr.js';
import { enrolmentCodeHash, newEnrolmentCode } from '../../../src/server/credentials.js';
import { buildServer } from '../../../src/server/http/app.js';
import type { ServerKeys } from '../../../src/server/keys.js';
import { prepareProgram } from '../../../src/server/program.js';
import type { ServerStore } from '../../../src/server/store/store.js';
import { restoreLedger } from '../../../src/terminal/ledger/files.js';
import { Ledger } from '../../../src/terminal/ledger/ledger.js';
import { LoyaltyService } from '../../../src/terminal/loyalty-service.js';
import { SyncClient } from '../../../src/terminal/sync/client.js';
import { enrolTerminal } from '../../../src/terminal/sync/enrol.js';
import type { SecretStore } from '../../../src/terminal/trust/secret-store.js';
import type { CheckoutArgs, ReturnArgs } from '../../../src/contract/commands.js';
import { programText } from '../ledger-fixture.js';
import type { SimClock } from './clock.js';
import { SimNetwork } from './network.js';
import type { Random } from './random.js';
import { openSimServerStore, type SimServerStore, type SimStoreKind } from './server.js';

export const SERVER_URL = 'http://tally-sim.invalid';

export const STORES = [
  { id: 'STORE-A', name: 'Downtown', timeZone: 'America/New_York' },
  { id: 'STORE-B', name: 'Airport', timeZone: 'Asia/Seoul' },
] as const;

/** Thrown from inside a command's transaction to stand for the process dying there. */
export class SimCrash extends Error {
  constructor() {
    super('simulated crash inside the command');
    this.name = 'SimCrash';
  }
}

/** The terminal's secret store, kept in memory: it survives crashes and restores, as the secrets folder beside a ledger does. */
export class MemorySecrets implements SecretStore {
  readonly location: string;
  private readonly files = new Map<string, string>();

  constructor(terminalId: string) {
    this.location = `memory:${terminalId}`;
  }

  read(name: string): string | null {
    return this.files.get(name) ?? null;
  }

  write(name: string, text: string): void {
    this.files.set(name, text);
  }

  remove(name: string): void {
    this.files.delete(name);
  }
}

/** What the POS sent a terminal, kept so it can send it again (a retry, or re-keying after a restore). */
export type PosCommand = { readonly kind: 'checkout'; readonly args: CheckoutArgs } | { readonly kind: 'return'; readonly args: ReturnArgs };

export interface SimTerminal {
  readonly index: number;
  readonly id: string;
  readonly storeId: string;
  readonly timeZone: string;
  readonly secrets: MemorySecrets;
  readonly client: SyncClient;
  /** The ledger file in service (a restore puts a new one in service). */
  path: string;
  /** Null while the process is down (after a crash, until the next step needs it). */
  ledger: Ledger | null;
  service: LoyaltyService | null;
  /** The next id this terminal's service makes (never reset: a restore must not reuse ids). */
  idCounter: number;
  posCounter: number;
  generation: number;
  readonly backups: string[];
  readonly journal: PosCommand[];
  /** The next command's transaction fails at its end, as if the process died there. */
  crashInCommand: boolean;
}

/** A debit the simulation booked, with what allowed it and what its terminal knew of the member's lots then. */
export interface DebitRecord {
  readonly transferId: string;
  /** The counter transaction it belongs to (a hold is posted by its transaction). */
  readonly transactionId: string | null;
  readonly memberId: string;
  readonly terminalId: string;
  readonly kind: string;
  readonly points: number;
  /** What allowed a spend: a hold on the server, the offline budget, or nothing (not a spend). */
  readonly authority: 'hold' | 'offline' | 'none';
  /** Ids of the transfers whose lot draws the terminal held for this member when it booked. */
  readonly known: ReadonlySet<string>;
  readonly step: number;
}

export interface WorldOptions {
  readonly dir: string;
  readonly terminals: number;
  readonly random: Random;
  readonly clock: SimClock;
  readonly trace: (line: string) => void;
  /** Where the server keeps its data (default sqlite; ./server.ts). */
  readonly store?: SimStoreKind;
}

/** An EAN-13 member card with the program's prefix 29 (check digit computed). */
export function cardNumber(n: number): string {
  const body = `29${String(n).padStart(10, '0')}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

export class SimWorld {
  readonly terminals: SimTerminal[] = [];
  /** Every card issued anywhere (a shopper may show it at any counter). */
  readonly cards: string[] = [];
  readonly debits = new Map<string, DebitRecord>();
  step = 0;

  private constructor(
    readonly options: WorldOptions,
    /** The server's store and the checks' typed-alike raw reads of it. */
    readonly server: SimServerStore,
    readonly app: FastifyInstance,
    readonly network: SimNetwork,
    private readonly random: Random,
  ) {}

  /** The real store the server writes through. */
  get store(): ServerStore {
    return this.server.store;
  }

  get clock(): SimClock {
    return this.options.clock;
  }

  trace(line: string): void {
    this.options.trace(line);
  }

  static async create(options: WorldOptions): Promise<SimWorld> {
    const random = options.random.fork('world');
    const serverRandom = options.random.fork('server');
    const server = await openSimServerStore(options.store ?? 'sqlite', options.dir, 'server');
    const { store } = server;
    // A PostgreSQL database is dropped, a SQLite file closed, if the world cannot be set up.
    let app: FastifyInstance | undefined;
    try {
      const keys: ServerKeys = { memberQr: signingKeyFrom('qr-sim', serverRandom.bytes(32)), program: signingKeyFrom('program-sim', serverRandom.bytes(32)) };
      // Head office's program: the sporting-goods example without the published demo key (the server writes its own keys in).
      const program = JSON.parse(programText('sporting-goods-usd')) as { cardCodes: { verifyKeys: unknown[] } };
      program.cardCodes.verifyKeys = [];
      const prepared = prepareProgram(JSON.stringify(program), 'sporting-goods-usd.json', keys);
      const now = options.clock.now();
      await store.publishProgram({ id: prepared.program.id, version: prepared.program.version, text: prepared.text, publishedAt: now });
      for (const s of STORES) await store.createStore({ id: s.id, name: s.name, timeZone: s.timeZone, createdAt: now });
      app = buildServer({ store, keys, clock: () => options.clock.now(), random: (size) => serverRandom.bytes(size) });
      await app.ready();
      const network = new SimNetwork({ app, random: options.random.fork('network'), serverNow: () => options.clock.now(), trace: options.trace, beforePull: () => server.settle() });
      const world = new SimWorld(options, server, app, network, random);
      for (let i = 0; i < options.terminals; i += 1) await world.enrol(i, serverRandom);
      return world;
    } catch (error) {
      await app?.close();
      await server.close();
      throw error;
    }
  }

  private async enrol(index: number, serverRandom: Random): Promise<void> {
    const place = STORES[index % STORES.length]!;
    const id = `${place.id === 'STORE-A' ? 'A' : 'B'}${Math.floor(index / STORES.length) + 1}`;
    const code = newEnrolmentCode((size) => serverRandom.bytes(size));
    await this.store.createEnrolmentCode(enrolmentCodeHash(code), { storeId: place.id, terminalId: id, expiresAt: this.clock.now() + 3_600_000, usedAt: null });
    const secrets = new MemorySecrets(id);
    const client = new SyncClient({ baseUrl: SERVER_URL, fetch: this.network.fetchFor(id) });
    const path = join(this.options.dir, `${id}-g0.sqlite`);
    // Enrolment is set-up, not under test here: the link is perfect for it.
    const rate = this.network.faultRate;
    this.network.faultRate = 0;
    try {
      await enrolTerminal({ dbPath: path, serverUrl: SERVER_URL, code, now: this.clock.terminalNow(id), client, secrets });
    } finally {
      this.network.faultRate = rate;
    }
    // Later requests carry the credential enrolment put in the secret store.
    const credential = (JSON.parse(secrets.read('sync-credential')!) as { credential: string }).credential;
    const terminal: SimTerminal = {
      index,
      id,
      storeId: place.id,
      timeZone: place.timeZone,
      secrets,
      client: new SyncClient({ baseUrl: SERVER_URL, credential, fetch: this.network.fetchFor(id) }),
      path,
      ledger: null,
      service: null,
      idCounter: 0,
      posCounter: 0,
      generation: 0,
      backups: [],
      journal: [],
      crashInCommand: false,
    };
    this.terminals.push(terminal);
    this.open(terminal);
  }

  /** Ids shaped like the UUIDv7s the service makes, unique per terminal and never reused. */
  private newId(t: SimTerminal): string {
    t.idCounter += 1;
    return `01900000-${(t.index + 1).toString(16).padStart(4, '0')}-7000-8000-${t.idCounter.toString(16).padStart(12, '0')}`;
  }

  /** Opens the terminal's ledger file (after a crash: the unclean shutdown is noticed and checked). */
  open(t: SimTerminal): { ledger: Ledger; service: LoyaltyService } {
    if (t.ledger && t.service) return { ledger: t.ledger, service: t.service };
    const ledger = Ledger.open(t.path, { check: 'auto' });
    const bytes = this.random.fork(`qr-refs-${t.id}-${t.generation}-${t.idCounter}`);
    const service = new LoyaltyService(ledger, {
      clock: this.clock.terminal(t.id),
      wallClock: this.clock.terminal(t.id),
      newId: () => this.newId(t),
      random: (size) => bytes.bytes(size),
      onSlip: () => {
        if (!t.crashInCommand) return;
        t.crashInCommand = false;
        throw new SimCrash();
      },
    });
    t.ledger = ledger;
    t.service = service;
    return { ledger, service };
  }

  /** The process dies: the connection goes without the clean-close bookkeeping (the next open sees an unclean shutdown). */
  crash(t: SimTerminal): void {
    if (t.ledger?.db.open) t.ledger.db.close();
    t.ledger = null;
    t.service = null;
  }

  ledgerOf(t: SimTerminal): Ledger {
    return this.open(t).ledger;
  }

  backup(t: SimTerminal): string {
    const target = join(this.options.dir, `${t.id}-backup-${t.backups.length + 1}.sqlite`);
    this.ledgerOf(t).backup(target);
    t.backups.push(target);
    return target;
  }

  /**
   * The disk holding the ledger is lost: the terminal's file is abandoned and a backup is put in
   * service at a new path, as `tally restore` does (by the terminal's own clock). Returns the new epoch.
   */
  restore(t: SimTerminal, backup: string): number {
    this.crash(t);
    t.generation += 1;
    const path = join(this.options.dir, `${t.id}-g${t.generation}.sqlite`);
    // The epoch's random spread from the seed, so a replay restores into the same epoch.
    const spread = this.random.fork(`epoch-${t.id}-${t.generation}`);
    const epoch = restoreLedger(backup, path, this.clock.terminalNow(t.id), undefined, (limit) => spread.int(0, limit - 1));
    t.path = path;
    this.open(t);
    return epoch;
  }

  nextPosId(t: SimTerminal, prefix: 'S' | 'R'): string {
    t.posCounter += 1;
    return `${t.id}-${prefix}${t.posCounter}`;
  }

  newCard(): string {
    const card = cardNumber(this.cards.length + 1);
    this.cards.push(card);
    return card;
  }

  async close(): Promise<void> {
    for (const t of this.terminals) {
      if (t.ledger?.db.open) t.ledger.close();
      t.ledger = null;
      t.service = null;
    }
    await this.app.close();
    await this.server.close();
  }
}
