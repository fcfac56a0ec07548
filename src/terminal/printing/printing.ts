/**
 * The printing stack for one ledger: printers, the queue, the worker, and the slip sink the
 * LoyaltyService calls inside each command's transaction. A store without a printer configured
 * queues nothing.
 */
import type { SlipData } from '../../core/receipt/slip.js';
import type { Instant } from '../../core/time.js';
import type { Ledger } from '../ledger/ledger.js';
import { PrinterRegistry, type PrinterConfig } from './printers.js';
import { PrintQueue } from './print-queue.js';
import { PrintWorker } from './print-worker.js';
import { PrintLeases, type PrintLeasesOptions } from './print-leases.js';
import { printerProfile } from './profiles.js';
import { renderSlipBytes, renderSlipSvg } from './render-slip.js';
import type { SlipSink } from './slip-data.js';
import { loadCredentials, memberQrFor } from '../trust/terminal-credentials.js';
import { FileSecretStore, secretsDirFor, type SecretStore } from '../trust/secret-store.js';
import { createTransport } from './transports/index.js';
import type { PrinterTransport } from './types.js';

export interface PrintingOptions {
  readonly clock?: () => Instant;
  /** The real time, for the QR code a slip carries (never an overridden clock). */
  readonly wallClock?: () => Instant;
  /** Where the terminal's signing secret is (default: the folder beside the ledger). */
  readonly secrets?: SecretStore;
  readonly transportFor?: (printer: PrinterConfig) => PrinterTransport;
  readonly retryDelay?: (attempt: number) => number;
  /** The printer leases' real clock, host and process check (tests). */
  readonly leases?: PrintLeasesOptions;
  /** How often held printer leases are renewed (tests). */
  readonly renewEveryMs?: number;
}

export class Printing {
  readonly printers: PrinterRegistry;
  readonly queue: PrintQueue;
  readonly worker: PrintWorker;
  readonly leases: PrintLeases;
  private readonly clock: () => Instant;
  private readonly wallClock: () => Instant;
  readonly secrets: SecretStore;
  private readonly transports = new Map<string, { key: string; transport: PrinterTransport }>();

  constructor(
    private readonly ledger: Ledger,
    private readonly options: PrintingOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.wallClock = options.wallClock ?? Date.now;
    this.secrets = options.secrets ?? new FileSecretStore(secretsDirFor(ledger.path));
    this.printers = new PrinterRegistry(ledger);
    this.queue = new PrintQueue(ledger);
    // A job a dead process was printing is printed again by the next worker that takes its printer's
    // lease (print-leases.ts), not here: this process may be starting while another one prints it.
    this.leases = new PrintLeases(ledger, options.leases);
    this.worker = new PrintWorker({
      queue: this.queue,
      printers: this.printers,
      leases: this.leases,
      program: () => ledger.program,
      timeZone: ledger.terminal.timeZone,
      transportFor: (printer) => this.transportFor(printer),
      render: (slip, printer, render) => this.bytes(slip, printer, render.reprint),
      clock: this.clock,
      ...(options.retryDelay ? { retryDelay: options.retryDelay } : {}),
      ...(options.renewEveryMs !== undefined ? { renewEveryMs: options.renewEveryMs } : {}),
    });
  }

  transportFor(printer: PrinterConfig): PrinterTransport {
    const key = JSON.stringify(printer.transport);
    const cached = this.transports.get(printer.id);
    if (cached && cached.key === key) return cached.transport;
    void cached?.transport.close();
    const transport = this.options.transportFor ? this.options.transportFor(printer) : createTransport(printer.transport);
    this.transports.set(printer.id, { key, transport });
    return transport;
  }

  /**
   * A stored slip as it prints now: the member's name is not kept in the queue (personal data
   * lives only on the member record, where erasure removes it), so it is read at print time.
   */
  private forPrinting(slip: SlipData): SlipData {
    if (slip.kind === 'test' || slip.member.name !== null) return slip;
    const record = this.ledger.member(slip.member.id);
    return { ...slip, member: { ...slip.member, name: record?.name ?? null } };
  }

  bytes(slip: SlipData, printer: PrinterConfig, reprint = false): Uint8Array {
    return renderSlipBytes({ slip: this.forPrinting(slip), program: this.ledger.program, profile: printerProfile(printer.profileId), lang: printer.language, timeZone: this.ledger.terminal.timeZone, reprint });
  }

  svg(slip: SlipData, printer: PrinterConfig | undefined, lang: 'en' | 'ko', reprint = false): string {
    const profile = printerProfile(printer?.profileId ?? (lang === 'ko' ? 'korean-80' : 'epson-tm-80'));
    return renderSlipSvg({ slip: this.forPrinting(slip), program: this.ledger.program, profile, lang, timeZone: this.ledger.terminal.timeZone, reprint });
  }

  /** The slip with the member's signed QR code (identify only, from the real time), when this terminal holds signing credentials. */
  withMemberQr(slip: SlipData): SlipData {
    const ref = this.ledger.member(slip.member.id)?.qrRef ?? null;
    return { ...slip, memberQr: memberQrFor(loadCredentials(this.ledger, this.secrets), ref, this.ledger.program, this.wallClock()) };
  }

  /** For LoyaltyService: queue the command's slip on the receipt printer, in the command's transaction. */
  readonly sink: SlipSink = (slip, booking) => {
    const printer = this.printers.receiptPrinter();
    if (!printer) return;
    this.queue.enqueue(printer.id, this.withMemberQr(slip), { transactionId: booking.transactionId, now: booking.now });
  };

  async close(): Promise<void> {
    // Whatever this process still holds goes back now, not when the lease would expire.
    this.worker.releaseAll();
    await Promise.all([...this.transports.values()].map(({ transport }) => transport.close().catch(() => undefined)));
    this.transports.clear();
  }
}
