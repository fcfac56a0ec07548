/**
 * Pictures as a scanner: behind the same lifecycle and events as serial, HID and the wedge, so a
 * QR code in a file (a member's screenshot, a support case, a demo) goes through exactly the path a
 * hardware scan does. A picture with no readable code is an 'error' event with a message, never a
 * thrown exception and never a scan.
 */
import { QrDecoder, type QrDecoderOptions } from '../../../core/qr/decode.js';
import { BaseScanner } from '../device.js';
import { decodeImageBytes, decodeImageFile, type DecodeImageOptions, type ImageLimits, type ImageScanOutcome } from './image-file.js';

export interface ImageScannerOptions extends QrDecoderOptions {
  readonly now?: () => number;
  /** The largest file and picture accepted (DEFAULT_IMAGE_LIMITS for what is not given). */
  readonly limits?: Partial<ImageLimits>;
}

/**
 * Each picture is one deliberate act (a file dropped, an upload), so its errors are reported one by
 * one: unlike a serial line or a HID device, a picture source cannot flood the error channel.
 */
export class ImageScanner extends BaseScanner {
  private readonly decoding: DecodeImageOptions;

  constructor(id = 'image', options: ImageScannerOptions = {}) {
    super(id, 'image');
    this.decoding = { deviceId: id, decoder: new QrDecoder(options), now: options.now ?? Date.now, ...(options.limits ? { limits: options.limits } : {}) };
  }

  protected doOpen(): Promise<void> {
    this.status({ kind: 'online', deviceId: this.id, path: null });
    return Promise.resolve();
  }

  protected doClose(): Promise<void> {
    this.status({ kind: 'offline', deviceId: this.id, reason: 'closed' });
    return Promise.resolve();
  }

  /** Decodes a picture file; delivers its scan (if enabled) and returns the outcome. */
  async scanFile(path: string): Promise<ImageScanOutcome> {
    return this.report(await decodeImageFile(path, this.decoding));
  }

  /** The same for bytes already in memory (an upload). */
  scanBytes(bytes: Uint8Array, name: string): ImageScanOutcome {
    return this.report(decodeImageBytes(bytes, name, this.decoding));
  }

  private report(outcome: ImageScanOutcome): ImageScanOutcome {
    if (outcome.ok) this.deliver(outcome.scan);
    else if (this.state === 'enabled') this.fail(outcome.deviceCode, outcome.message);
    return outcome;
  }
}
