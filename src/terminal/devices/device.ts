/**
 * One lifecycle for every scanner, modelled on UnifiedPOS: open → claim → enable, then data,
 * error and status events, then disable → release → close. A device in any state can be closed;
 * out-of-order calls are refused with a clear error rather than half-working.
 */
import { redactScanText } from '../../core/card-code/mask.js';
import { Events } from './events.js';
import { RepeatedErrors, type RepeatKind } from './repeated-errors.js';
import type { ScanEvent, ScanSource } from './scan-event.js';
import type { Timers } from './supervisor.js';

export type DeviceState = 'closed' | 'opened' | 'claimed' | 'enabled';

export type DeviceErrorCode =
  /** The device went away (unplugged, cable, power). */
  | 'unplugged'
  /** The OS refused access: see native/README.md for the udev rule. */
  | 'permission-denied'
  | 'not-found'
  /** A driver or system library is missing (libusb for HID, udevadm for port listing). */
  | 'driver-missing'
  /** A scan longer than the device's buffer: dropped, with the reason. */
  | 'overflow'
  /** Bytes that cannot be a scan (line noise, wrong baud rate). */
  | 'garbage'
  | 'io';

export interface DeviceError {
  readonly code: DeviceErrorCode;
  readonly message: string;
  readonly deviceId: string;
  /**
   * Only on a summary of repeated errors (see repeated-errors.ts): how many errors of one kind were
   * counted instead of reported since the first one (or the last summary).
   */
  readonly repeated?: number;
}

export type DeviceStatus =
  | { readonly kind: 'online'; readonly deviceId: string; readonly path: string | null }
  | { readonly kind: 'offline'; readonly deviceId: string; readonly reason: string }
  | { readonly kind: 'reconnecting'; readonly deviceId: string; readonly attempt: number; readonly retryInMs: number };

export interface DeviceEvents {
  data: ScanEvent;
  error: DeviceError;
  status: DeviceStatus;
}

export class DeviceStateError extends Error {
  constructor(deviceId: string, action: string, state: DeviceState) {
    super(`${deviceId}: cannot ${action} while ${state}`);
    this.name = 'DeviceStateError';
  }
}

export interface ScannerDevice {
  readonly id: string;
  readonly source: ScanSource;
  readonly state: DeviceState;
  readonly events: Events<DeviceEvents>;
  open(): Promise<void>;
  claim(): Promise<void>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

/** Time for the repeated-error windows: real by default; tests pass the clock and timers they drive. */
export interface ScannerEnvironment {
  readonly clock?: () => number;
  readonly timers?: Timers;
  /** How long repeats of one kind of error are counted before a summary (default 10 s). */
  readonly repeatWindowMs?: number;
}

/**
 * The state machine every transport shares; subclasses implement the I/O steps. Data is delivered
 * only while enabled (a disabled scanner's reads are dropped, as UnifiedPOS's DataEventEnabled).
 */
export abstract class BaseScanner implements ScannerDevice {
  private current: DeviceState = 'closed';
  readonly events: Events<DeviceEvents>;
  /** Errors a transport marks as repeatable (one per frame or report) are summarised here. */
  private readonly repeats: RepeatedErrors;

  protected constructor(
    readonly id: string,
    readonly source: ScanSource,
    environment: ScannerEnvironment = {},
  ) {
    this.repeats = new RepeatedErrors(
      ({ code, message, repeated }) => this.events.emit('error', { code, message: redactScanText(message), deviceId: this.id, repeated }),
      `${id}: `,
      environment.clock,
      environment.timers,
      environment.repeatWindowMs === undefined ? {} : { windowMs: environment.repeatWindowMs },
    );
    this.events = new Events<DeviceEvents>((error) => {
      // A listener's bug must not become a device fault; report it once on the error channel. Its
      // message may quote the scan it was handling (a bank card's stripe): redacted like every error.
      const message = error instanceof Error ? error.message : String(error);
      queueMicrotask(() => this.events.emit('error', { code: 'io', message: redactScanText(`a scan listener failed: ${message}`), deviceId: this.id }));
    });
  }

  get state(): DeviceState {
    return this.current;
  }

  protected abstract doOpen(): Promise<void>;
  protected abstract doClose(): Promise<void>;
  protected doClaim(): Promise<void> {
    return Promise.resolve();
  }
  protected doRelease(): Promise<void> {
    return Promise.resolve();
  }

  private require(action: string, allowed: DeviceState): void {
    if (this.current !== allowed) throw new DeviceStateError(this.id, action, this.current);
  }

  async open(): Promise<void> {
    this.require('open', 'closed');
    await this.doOpen();
    this.current = 'opened';
  }

  async claim(): Promise<void> {
    this.require('claim', 'opened');
    await this.doClaim();
    this.current = 'claimed';
  }

  // async so that a call out of order is a rejected promise, like every other step.
  async enable(): Promise<void> {
    this.require('enable', 'claimed');
    this.current = 'enabled';
  }

  async disable(): Promise<void> {
    this.require('disable', 'enabled');
    this.current = 'claimed';
  }

  async release(): Promise<void> {
    if (this.current === 'enabled') this.current = 'claimed';
    this.require('release', 'claimed');
    await this.doRelease();
    this.current = 'opened';
  }

  async close(): Promise<void> {
    // Counts held for a summary are reported before the device says it is offline.
    this.repeats.flush();
    if (this.current === 'closed') return;
    if (this.current === 'enabled' || this.current === 'claimed') await this.release();
    this.current = 'closed';
    await this.doClose();
  }

  /** Open, claim and enable in one go: what a counter does at start-up. */
  async start(): Promise<void> {
    if (this.current === 'closed') await this.open();
    if (this.current === 'opened') await this.claim();
    if (this.current === 'claimed') await this.enable();
  }

  /** Transports call this for each framed code; dropped unless enabled. */
  protected deliver(scan: ScanEvent): void {
    if (this.current === 'enabled') this.events.emit('data', scan);
  }

  /**
   * Every transport's errors come through here. They are written to say counts and control bytes,
   * never a scan's text; this is the backstop for a message that quotes one anyway (a driver's or
   * decoder's exception text), since errors are logged and shown to support.
   *
   * `repeat` marks an error that bad input can produce once per frame or report (line noise, a
   * garbled report): the first of its kind is reported, repeats are counted into one summary per
   * window (repeated-errors.ts), so a noisy line cannot flood the host's log. Any other error first
   * reports what was counted, so the log stays in order (noise, then "unplugged").
   */
  protected fail(code: DeviceErrorCode, message: string, repeat?: RepeatKind): void {
    if (repeat === undefined) this.repeats.flush();
    else if (!this.repeats.admit(code, repeat)) return;
    this.events.emit('error', { code, message: redactScanText(message), deviceId: this.id });
  }

  protected status(status: DeviceStatus): void {
    this.events.emit('status', status);
  }

  /** The device vanished under us (unplug): back to closed without touching the dead handle again. */
  protected lost(reason: string): void {
    this.repeats.flush();
    this.current = 'closed';
    this.status({ kind: 'offline', deviceId: this.id, reason });
  }
}
