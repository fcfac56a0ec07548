/**
 * Printer transports from a transport config (the shape stored with a printer, see
 * ../printers.ts): `createTransport({ kind: 'tcp', host, port, timeoutMs })`. `timeoutMs` is the
 * per-transport timeout: it becomes the default of every status() and write() call (and the
 * connect / open timeout) unless the finer options set them apart.
 *
 *   kind    | reaches                                        | status (DLE EOT)
 *   tcp     | network printer, raw port 9100                 | yes
 *   serial  | RS-232 / USB virtual COM printer (serialport)  | yes
 *   usb     | /dev/usb/lp*, a FIFO or file; Windows \\host\share | no: status() is null
 */
import type { PrinterStatus } from '../../../core/escpos/status.js';
import type { PrinterTransport } from '../types.js';
import { SerialPrinterTransport, type SerialPrinterOptions } from './serial.js';
import { TcpTransport, type TcpTransportOptions } from './tcp.js';
import { UsbLpTransport, type UsbLpOptions } from './usb-lp.js';
import type { TransportTimeouts } from './link-transport.js';

export { collectStatusBytes, DEFAULT_TIMEOUT_MS, STATUS_REQUEST_BYTES, type TransportTimeouts } from './link-transport.js';
export { DEFAULT_PRINTER_PORT, TcpTransport, type TcpTransportOptions } from './tcp.js';
export { SerialPrinterTransport, type SerialPrinterOptions } from './serial.js';
export { UsbLpTransport, type UsbLpOptions } from './usb-lp.js';

export type TransportSettings =
  | ({ readonly kind: 'tcp' } & TcpTransportOptions)
  | ({ readonly kind: 'serial' } & SerialPrinterOptions)
  | ({ readonly kind: 'usb' } & UsbLpOptions);

/** A transport with its configured timeouts, which status() and write() use when given none. */
export interface ConfiguredTransport extends PrinterTransport {
  readonly timeouts: TransportTimeouts;
  status(timeoutMs?: number): Promise<PrinterStatus | null>;
  write(bytes: Uint8Array, timeoutMs?: number): Promise<void>;
}

export function createTransport(settings: TransportSettings): ConfiguredTransport {
  switch (settings.kind) {
    case 'tcp':
      return new TcpTransport(settings);
    case 'serial':
      return new SerialPrinterTransport(settings);
    case 'usb':
      return new UsbLpTransport(settings);
  }
}
