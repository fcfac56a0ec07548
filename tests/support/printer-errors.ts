import { expect } from 'vitest';
import { PrinterError } from '../../src/terminal/printing/types.js';

/** The PrinterError a transport call rejects with (and a failure if it resolves or throws anything else). */
export async function rejection(promise: Promise<unknown>): Promise<PrinterError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PrinterError);
    return error as PrinterError;
  }
  throw new Error('expected a PrinterError');
}
