/**
 * A scanner with no hardware, behind the same lifecycle and events: for demos, tests and UI work.
 * `scan()` types a code as if a scanner read it.
 */
import { splitAimPrefix, type Symbology } from '../../core/card-code/symbology.js';
import { BaseScanner } from './device.js';

export class SimulatedScanner extends BaseScanner {
  constructor(id = 'simulator') {
    super(id, 'simulator');
  }

  protected doOpen(): Promise<void> {
    this.status({ kind: 'online', deviceId: this.id, path: null });
    return Promise.resolve();
  }

  protected doClose(): Promise<void> {
    this.status({ kind: 'offline', deviceId: this.id, reason: 'closed' });
    return Promise.resolve();
  }

  scan(text: string, options: { symbology?: Symbology; time?: number } = {}): void {
    const aim = splitAimPrefix(text);
    this.deliver({
      text,
      raw: new TextEncoder().encode(text),
      symbology: aim?.symbology ?? options.symbology ?? 'unknown',
      aimId: aim?.aimId ?? null,
      source: 'simulator',
      deviceId: this.id,
      time: options.time ?? Date.now(),
    });
  }

  /** Pretend the device was pulled out. */
  unplug(): void {
    this.fail('unplugged', `${this.id} was unplugged`);
    this.lost('unplugged');
  }
}
