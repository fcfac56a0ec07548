/**
 * The browser camera as a QR scanner: getUserMedia → <video> → canvas → RGBA → luminance → the
 * same core decoder the Node image path uses. Emits scans shaped like the terminal's ScanEvent
 * (source 'camera'), plus error and status events with the device layer's codes, so the cashier
 * screen treats a camera like any other scanner.
 *
 * Why not @zxing/library's BrowserQRCodeReader: it converts pixels its own way, decodes as fast as
 * frames come, and repeats a code every frame it stays in view. Here the pixel conversion is the
 * one tested in core (RGBA bytes are never handed to the decoder — see core/qr/luminance.ts),
 * decoding is paced (`intervalMs`), a code held in front of the camera is one scan, and the decoder
 * is injectable (sync or async, e.g. a WebAssembly one).
 */
import type { QrDecodeResult } from '../../core/qr/decode.js';
import { QrDecoder } from '../../core/qr/decode.js';
import { rgbaToLuminance, type LuminanceFrame } from '../../core/qr/luminance.js';

/** Structurally the terminal's ScanEvent with source 'camera' (the UI may not import src/terminal). */
export interface CameraScan {
  readonly text: string;
  /** The decoded text as UTF-8: a camera has no wire bytes. */
  readonly raw: Uint8Array;
  readonly symbology: 'qr';
  readonly aimId: null;
  readonly source: 'camera';
  readonly deviceId: string;
  readonly time: number;
}

/** The device layer's error codes that a camera can produce. */
export type CameraErrorCode = 'permission-denied' | 'not-found' | 'unplugged' | 'io';

export interface CameraError {
  readonly code: CameraErrorCode;
  readonly message: string;
  readonly deviceId: string;
}

export type CameraStatus =
  | { readonly kind: 'online'; readonly deviceId: string; readonly path: string | null }
  | { readonly kind: 'offline'; readonly deviceId: string; readonly reason: string };

export interface CameraEvents {
  data: CameraScan;
  error: CameraError;
  status: CameraStatus;
  /** Every decode attempt's outcome (for a "hold steady" hint and for tests). */
  frame: QrDecodeResult;
}

/** Anything that reads a luminance frame: the core QrDecoder, or an async one. */
export interface FrameDecoder {
  decode(frame: LuminanceFrame): QrDecodeResult | Promise<QrDecodeResult>;
}

export interface CameraScannerOptions {
  /** Name in scan events. Default 'camera'. */
  readonly id?: string;
  /** A MediaDeviceInfo.deviceId; default: the back camera if there is one. */
  readonly cameraId?: string;
  /** Where the cashier sees the picture; a hidden one is made if absent. */
  readonly video?: HTMLVideoElement;
  /** Frames are scaled down to at most this width before decoding. Default 640. */
  readonly maxWidth?: number;
  /** Time between decode attempts. Default 100 ms (10 a second keeps the UI thread free). */
  readonly intervalMs?: number;
  /** The same code again within this time of last seeing it is not a new scan. Default 1500 ms. */
  readonly repeatAfterMs?: number;
  readonly decoder?: FrameDecoder;
  /** Injected in tests; default navigator.mediaDevices. */
  readonly mediaDevices?: MediaDevices;
  readonly now?: () => number;
}

type Listener<T> = (value: T) => void;

function describeMediaError(error: unknown): { code: CameraErrorCode; message: string } {
  const name = error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error) ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return { code: 'permission-denied', message: 'Camera access was refused — allow the camera for this page in the browser or system settings' };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return { code: 'not-found', message: 'No camera found — plug one in or choose another in settings' };
    case 'NotReadableError':
    case 'AbortError':
      return { code: 'io', message: 'The camera is busy or failed to start — close other programs using it and try again' };
    default:
      return { code: 'io', message: `The camera could not start: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const encoder = new TextEncoder();

export class CameraScanner {
  readonly id: string;
  private readonly options: CameraScannerOptions;
  private readonly decoder: FrameDecoder;
  private readonly listeners: { [K in keyof CameraEvents]: Set<Listener<CameraEvents[K]>> } = {
    data: new Set(),
    error: new Set(),
    status: new Set(),
    frame: new Set(),
  };
  private stream: MediaStream | null = null;
  private video: HTMLVideoElement | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private context: CanvasRenderingContext2D | null = null;
  private luminance: Uint8ClampedArray | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last: { text: string; seen: number } | null = null;
  /** Frames tried, frames with a code read, and scans emitted (repeats of a code in view are not) since construction. */
  readonly stats = { frames: 0, decoded: 0, scans: 0 };

  constructor(options: CameraScannerOptions = {}) {
    this.options = options;
    this.id = options.id ?? 'camera';
    this.decoder = options.decoder ?? new QrDecoder();
  }

  get running(): boolean {
    return this.stream !== null;
  }

  on<K extends keyof CameraEvents>(event: K, listener: Listener<CameraEvents[K]>): () => void {
    const set = this.listeners[event] as Set<Listener<CameraEvents[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<K extends keyof CameraEvents>(event: K, value: CameraEvents[K]): void {
    for (const listener of [...(this.listeners[event] as Set<Listener<CameraEvents[K]>>)]) {
      try {
        listener(value);
      } catch (error) {
        // A listener's bug must not stop the camera loop; report it once, like the device layer does.
        if (event !== 'error') this.emit('error', { code: 'io', message: `a camera listener failed: ${error instanceof Error ? error.message : String(error)}`, deviceId: this.id });
      }
    }
  }

  /** Opens the camera and starts decoding. Resolves false (after an 'error' event) if it cannot. */
  async start(): Promise<boolean> {
    if (this.stream) return true;
    const media = this.options.mediaDevices ?? globalThis.navigator?.mediaDevices;
    if (!media?.getUserMedia) {
      this.emit('error', { code: 'not-found', message: 'This browser offers no camera access (a secure page, https or localhost, is needed)', deviceId: this.id });
      return false;
    }
    const video: MediaTrackConstraints = this.options.cameraId ? { deviceId: { exact: this.options.cameraId } } : { facingMode: { ideal: 'environment' } };
    let stream: MediaStream;
    try {
      stream = await media.getUserMedia({ video: { ...video, width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (error) {
      this.emit('error', { ...describeMediaError(error), deviceId: this.id });
      return false;
    }
    this.stream = stream;
    const element = this.options.video ?? document.createElement('video');
    element.muted = true;
    element.playsInline = true;
    element.srcObject = stream;
    this.video = element;
    const [track] = stream.getVideoTracks();
    track?.addEventListener('ended', () => {
      if (this.stream !== stream) return;
      this.emit('error', { code: 'unplugged', message: 'The camera was disconnected', deviceId: this.id });
      this.halt('unplugged');
    });
    try {
      await element.play();
    } catch (error) {
      this.emit('error', { ...describeMediaError(error), deviceId: this.id });
      this.halt('failed to start');
      return false;
    }
    this.emit('status', { kind: 'online', deviceId: this.id, path: track?.label ?? null });
    this.schedule(0);
    return true;
  }

  /** Stops decoding and releases the camera (its light goes off). */
  stop(): void {
    if (this.stream) this.halt('stopped');
  }

  private halt(reason: string): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    if (this.video) this.video.srcObject = null;
    this.last = null;
    this.emit('status', { kind: 'offline', deviceId: this.id, reason });
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, delay);
  }

  private async tick(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    try {
      const frame = this.grab();
      if (frame) {
        const result = await this.decoder.decode(frame);
        if (this.stream !== stream) return;
        this.stats.frames += 1;
        this.emit('frame', result);
        if (result.ok) {
          this.stats.decoded += 1;
          this.accept(result.text);
        }
      }
    } catch (error) {
      this.emit('error', { code: 'io', message: `camera frame failed: ${error instanceof Error ? error.message : String(error)}`, deviceId: this.id });
    }
    if (this.stream === stream) this.schedule(this.options.intervalMs ?? 100);
  }

  /** The current video frame as luminance, or null while the video has no picture yet. */
  grab(): LuminanceFrame | null {
    const video = this.video;
    // HAVE_CURRENT_DATA = 2.
    if (!video || video.readyState < 2 || video.videoWidth === 0 || video.videoHeight === 0) return null;
    const scale = Math.min(1, (this.options.maxWidth ?? 640) / video.videoWidth);
    const width = Math.max(1, Math.round(video.videoWidth * scale));
    const height = Math.max(1, Math.round(video.videoHeight * scale));
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas ??= document.createElement('canvas');
      this.canvas.width = width;
      this.canvas.height = height;
      // willReadFrequently keeps the canvas in CPU memory: getImageData every frame stays cheap.
      this.context = this.canvas.getContext('2d', { willReadFrequently: true });
      this.luminance = new Uint8ClampedArray(width * height);
    }
    const context = this.context;
    if (!context || !this.luminance) throw new Error('no 2D canvas context');
    context.drawImage(video, 0, 0, width, height);
    // getImageData is RGBA, four bytes a pixel: converted explicitly, never passed on as is.
    const { data } = context.getImageData(0, 0, width, height);
    return rgbaToLuminance(data, width, height, this.luminance);
  }

  private accept(text: string): void {
    const now = (this.options.now ?? Date.now)();
    const last = this.last;
    this.last = { text, seen: now };
    if (last && last.text === text && now - last.seen < (this.options.repeatAfterMs ?? 1500)) return;
    this.stats.scans += 1;
    this.emit('data', { text, raw: encoder.encode(text), symbology: 'qr', aimId: null, source: 'camera', deviceId: this.id, time: now });
  }
}
