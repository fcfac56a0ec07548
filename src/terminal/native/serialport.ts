/**
 * The terminal's one door to serialport (a native module): the scanner transport and the
 * receipt-printer transport both come through here, so packaging has one place to look.
 */
export { SerialPort } from 'serialport';
export type { SerialPortOpenOptions } from 'serialport';
