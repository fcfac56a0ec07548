/** Check digits used on member cards and on what must never be taken for one (bank cards, products). */

const isDigits = (text: string): boolean => /^\d+$/.test(text);

/** GS1 mod-10 (EAN-13, EAN-8, UPC-A, GTIN-14, GS1-128 numbers): weights 3,1 from the right. */
export function gs1CheckDigit(body: string): number {
  if (!isDigits(body)) throw new RangeError('digits only');
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

export function hasValidGs1CheckDigit(code: string): boolean {
  return code.length >= 2 && isDigits(code) && gs1CheckDigit(code.slice(0, -1)) === Number(code.at(-1));
}

/** Luhn (ISO/IEC 7812: payment cards, many loyalty numbers): doubles every second digit from the right. */
export function luhnCheckDigit(body: string): number {
  if (!isDigits(body)) throw new RangeError('digits only');
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let digit = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function hasValidLuhn(code: string): boolean {
  return code.length >= 2 && isDigits(code) && luhnCheckDigit(code.slice(0, -1)) === Number(code.at(-1));
}

export type CheckDigitScheme = 'gs1-mod10' | 'luhn' | 'none';

export function hasValidCheckDigit(code: string, scheme: CheckDigitScheme): boolean {
  if (scheme === 'none') return true;
  return scheme === 'luhn' ? hasValidLuhn(code) : hasValidGs1CheckDigit(code);
}

export function withCheckDigit(body: string, scheme: Exclude<CheckDigitScheme, 'none'>): string {
  return body + String(scheme === 'luhn' ? luhnCheckDigit(body) : gs1CheckDigit(body));
}
