import { describe, expect, it } from 'vitest';
import { createTransport, DEFAULT_PRINTER_PORT, SerialPrinterTransport, TcpTransport, UsbLpTransport } from './index.js';
import { collectStatusBytes, timeoutsFrom } from './link-transport.js';

describe('createTransport', () => {
  it('builds each kind from its config, with the per-transport timeout as every default', () => {
    const tcp = createTransport({ kind: 'tcp', host: 'printer.local', timeoutMs: 1_500 });
    expect(tcp).toBeInstanceOf(TcpTransport);
    expect((tcp as TcpTransport).port).toBe(DEFAULT_PRINTER_PORT);
    expect(tcp.timeouts).toEqual({ connectMs: 1_500, statusMs: 1_500, writeMs: 1_500 });
    expect(tcp.description).toBe('TCP printer printer.local:9100');
    expect(tcp.readsStatus).toBe(true);

    const serial = createTransport({ kind: 'serial', path: '/dev/ttyUSB0', baudRate: 38400, rtscts: true });
    expect(serial).toBeInstanceOf(SerialPrinterTransport);
    expect(serial.timeouts.statusMs).toBe(5_000);
    expect(serial.readsStatus).toBe(true);

    const usb = createTransport({ kind: 'usb', path: '/dev/usb/lp0', timeoutMs: 800 });
    expect(usb).toBeInstanceOf(UsbLpTransport);
    expect(usb.readsStatus).toBe(false);
    expect(usb.timeouts.writeMs).toBe(800);
  });

  it('finer timeouts override the per-transport one; nonsense is refused', () => {
    expect(timeoutsFrom({ timeoutMs: 1_000, writeTimeoutMs: 10_000 })).toEqual({ connectMs: 1_000, statusMs: 1_000, writeMs: 10_000 });
    expect(() => timeoutsFrom({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => new TcpTransport({ host: 'x', port: 70_000 })).toThrow(RangeError);
    expect(() => new TcpTransport({ host: ' ' })).toThrow(TypeError);
    expect(() => new SerialPrinterTransport({ path: '/dev/ttyS0', baudRate: -1 })).toThrow(RangeError);
    expect(() => new UsbLpTransport({ path: '' })).toThrow(TypeError);
  });
});

describe('collectStatusBytes', () => {
  it('keeps only status bytes (0x12 under mask 0x93), up to four, across chunks', () => {
    const answers: number[] = [];
    expect(collectStatusBytes(Uint8Array.of(0x14, 0x00, 0x16), answers)).toBe(3);
    expect(collectStatusBytes(Uint8Array.of(0x13, 0x12, 0x32, 0x1e, 0x16), answers)).toBe(4);
    expect(answers).toEqual([0x16, 0x12, 0x32, 0x1e]);
  });
});
