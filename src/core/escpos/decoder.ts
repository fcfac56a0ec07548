/**
 * An ESC/POS decoder: printer bytes back into what a person would see on the paper — text lines
 * with their alignment and styles, QR and barcode payloads, raster images, feeds and cuts — aware
 * of code pages including Korean double-byte mode. Tests read what Tally printed with it; later
 * the POS pass-through printer reads the POS's own receipts with it. It never throws: bytes it
 * does not understand are reported as `unknown` and skipped.
 */
import {
  CODE_TABLES,
  decodeMultiByte,
  decodeSingleByte,
  decodeUtf8,
  DOUBLE_BYTE_BY_COUNTRY,
  isLeadByte,
  type MultiByteEncoding,
  type SingleByteEncoding,
} from './text-codec.js';

export type Alignment = 'left' | 'center' | 'right';

export interface TextStyle {
  readonly bold: boolean;
  readonly underline: boolean;
  readonly reverse: boolean;
  /** Character magnification, 1–8. */
  readonly width: number;
  readonly height: number;
}

export interface TextSegment extends TextStyle {
  readonly text: string;
}

export interface RasterImage {
  readonly width: number;
  readonly height: number;
  /** One byte per pixel: 1 black, 0 white, row by row. */
  readonly pixels: Uint8Array;
}

export type EscPosEvent =
  | { readonly type: 'line'; readonly text: string; readonly align: Alignment; readonly segments: readonly TextSegment[] }
  | { readonly type: 'qr'; readonly data: Uint8Array; readonly text: string; readonly model: number; readonly moduleSize: number; readonly errorCorrection: 'L' | 'M' | 'Q' | 'H' }
  | { readonly type: 'barcode'; readonly system: string; readonly data: string }
  | { readonly type: 'image'; readonly image: RasterImage }
  | { readonly type: 'feed'; readonly lines: number }
  | { readonly type: 'cut'; readonly partial: boolean }
  | { readonly type: 'drawer'; readonly pin: number }
  | { readonly type: 'status-request'; readonly kind: number }
  | { readonly type: 'unknown'; readonly offset: number; readonly bytes: Uint8Array };

export interface DecodeOptions {
  /** What double-byte mode (FS &) means when ESC R does not say: the printer profile's Korean mode. */
  readonly multiByte?: MultiByteEncoding;
  /** Dots per character of the default font (12 for font A on Epson-compatible printers), to turn print positions into spaces. */
  readonly dotsPerCharacter?: number;
}

export interface DecodedPrint {
  readonly events: readonly EscPosEvent[];
  readonly lines: readonly string[];
  readonly qrCodes: readonly string[];
  readonly barcodes: readonly string[];
  readonly cuts: number;
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

const PLAIN: TextStyle = { bold: false, underline: false, reverse: false, width: 1, height: 1 };

/** Parameter bytes after `ESC x` for the commands with a fixed length (the rest are special-cased). */
const ESC_FIXED: Readonly<Record<number, number>> = {
  0x20: 1, // ESC SP n: character spacing
  0x21: 1, // ESC ! n: print mode
  0x24: 2, // ESC $ nL nH: absolute position
  0x25: 1, // ESC % n: user-defined characters on/off
  0x2d: 1, // ESC - n: underline
  0x32: 0, // ESC 2: default line spacing
  0x33: 1, // ESC 3 n: line spacing
  0x3c: 0, // ESC <: return home
  0x3d: 1, // ESC = n: peripheral device
  0x3f: 1, // ESC ? n: cancel user-defined character
  0x40: 0, // ESC @: initialise
  0x45: 1, // ESC E n: emphasis
  0x47: 1, // ESC G n: double strike
  0x4a: 1, // ESC J n: feed n dots
  0x4b: 1, // ESC K n: reverse feed
  0x4c: 0, // ESC L: page mode
  0x4d: 1, // ESC M n: font
  0x52: 1, // ESC R n: international character set
  0x53: 0, // ESC S: standard mode
  0x54: 1, // ESC T n: print direction
  0x55: 1, // ESC U n: unidirectional
  0x56: 1, // ESC V n: 90° rotation
  0x57: 8, // ESC W: print area
  0x5c: 2, // ESC \ nL nH: relative position
  0x61: 1, // ESC a n: justification
  0x63: 2, // ESC c 3/4/5 n: panel, sensors
  0x64: 1, // ESC d n: feed n lines
  0x65: 1, // ESC e n: reverse feed n lines
  0x69: 0, // ESC i: partial cut
  0x6d: 0, // ESC m: partial cut
  0x70: 3, // ESC p m t1 t2: drawer kick
  0x72: 1, // ESC r n: colour
  0x74: 1, // ESC t n: code table
  0x75: 1, // ESC u n: peripheral status
  0x76: 0, // ESC v: paper sensor status
  0x7b: 1, // ESC { n: upside down
};

/** Parameter bytes after `GS x` for fixed-length commands. */
const GS_FIXED: Readonly<Record<number, number>> = {
  0x21: 1, // GS ! n: character size
  0x24: 2, // GS $: absolute vertical position
  0x2f: 1, // GS / m: print downloaded bit image
  0x3a: 0, // GS :: macro
  0x42: 1, // GS B n: reverse
  0x48: 1, // GS H n: HRI position
  0x49: 1, // GS I n: printer id
  0x4c: 2, // GS L: left margin
  0x50: 2, // GS P: motion units
  0x54: 1, // GS T n: print position
  0x57: 2, // GS W: print area width
  0x5c: 2, // GS \: relative vertical position
  0x5e: 3, // GS ^: macro run
  0x61: 1, // GS a n: automatic status back
  0x62: 1, // GS b n: smoothing
  0x66: 1, // GS f n: HRI font
  0x68: 1, // GS h n: bar code height
  0x6a: 1, // GS j n: ink status back
  0x72: 1, // GS r n: transmit status
  0x77: 1, // GS w n: bar code module width
};

/** Parameter bytes after `FS x` for fixed-length commands. */
const FS_FIXED: Readonly<Record<number, number>> = {
  0x21: 1, // FS ! n: Kanji print mode
  0x26: 0, // FS &: Kanji (double-byte) mode on
  0x2d: 1, // FS - n: Kanji underline
  0x2e: 0, // FS .: Kanji mode off
  0x43: 1, // FS C n: Kanji code system
  0x53: 2, // FS S n1 n2: Kanji spacing
  0x57: 1, // FS W n: Kanji quadruple size
  0x70: 2, // FS p n m: print NV bit image
};

const BARCODE_SYSTEMS: Readonly<Record<number, string>> = {
  0: 'UPC-A', 1: 'UPC-E', 2: 'EAN13', 3: 'EAN8', 4: 'CODE39', 5: 'ITF', 6: 'CODABAR',
  65: 'UPC-A', 66: 'UPC-E', 67: 'EAN13', 68: 'EAN8', 69: 'CODE39', 70: 'ITF', 71: 'CODABAR', 72: 'CODE93', 73: 'CODE128', 74: 'GS1-128', 75: 'GS1-DATABAR', 76: 'GS1-DATABAR-TRUNCATED', 77: 'GS1-DATABAR-LIMITED', 78: 'GS1-DATABAR-EXPANDED', 79: 'CODE128-AUTO',
};

class Decoder {
  private pos = 0;
  private readonly events: EscPosEvent[] = [];
  private style: TextStyle = PLAIN;
  private align: Alignment = 'left';
  private table: SingleByteEncoding = 'cp437';
  private multiByte: MultiByteEncoding | null = null;
  private country = 0;
  private segments: TextSegment[] = [];
  private pendingText: number[] = [];
  private pendingStyle: TextStyle = PLAIN;
  // QR settings (GS ( k) and stored data until "print".
  private qrModel = 2;
  private qrSize = 3;
  private qrLevel: 'L' | 'M' | 'Q' | 'H' = 'L';
  private qrData: Uint8Array | null = null;
  // Graphics stored by GS 8 L / GS ( L until "print".
  private graphics: RasterImage | null = null;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: DecodeOptions,
  ) {}

  private byte(offset = 0): number | undefined {
    return this.bytes[this.pos + offset];
  }

  private take(n: number): Uint8Array {
    const slice = this.bytes.subarray(this.pos, Math.min(this.bytes.length, this.pos + n));
    this.pos += n;
    return slice;
  }

  private unknown(start: number, length: number): void {
    this.events.push({ type: 'unknown', offset: start, bytes: this.bytes.slice(start, Math.min(this.bytes.length, start + length)) });
  }

  private doubleByte(): MultiByteEncoding | null {
    return this.multiByte;
  }

  private setStyle(next: Partial<TextStyle>): void {
    this.flushText();
    this.style = { ...this.style, ...next };
  }

  private flushText(): void {
    if (this.pendingText.length === 0) return;
    const bytes = Uint8Array.from(this.pendingText);
    this.pendingText = [];
    const encoding = this.doubleByte();
    let text: string;
    if (encoding) {
      // Runs of ASCII and double-byte characters, each decoded by its own rule.
      text = '';
      let run: number[] = [];
      for (let i = 0; i < bytes.length; i += 1) {
        const b = bytes[i]!;
        if (isLeadByte(b, encoding) && i + 1 < bytes.length) {
          run.push(b, bytes[i + 1]!);
          i += 1;
        } else {
          if (run.length > 0) text += decodeMultiByte(Uint8Array.from(run), encoding);
          run = [];
          text += decodeSingleByte(Uint8Array.of(b), this.table);
        }
      }
      if (run.length > 0) text += decodeMultiByte(Uint8Array.from(run), encoding);
    } else {
      text = decodeSingleByte(bytes, this.table);
    }
    const last = this.segments.at(-1);
    if (last && sameStyle(last, this.pendingStyle)) this.segments[this.segments.length - 1] = { ...last, text: last.text + text };
    else this.segments.push({ ...this.pendingStyle, text });
  }

  /** Characters printed on the current line so far (double-byte characters count two). */
  private column(): number {
    const printed = this.segments.reduce((n, s) => n + [...s.text].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e7f ? 2 : 1), 0) * s.width, 0);
    return printed + this.pendingText.length * this.style.width;
  }

  /** ESC $ / ESC \ move the print position: shown as spaces, so columns stay apart in the text. */
  private moveTo(dots: number): void {
    const target = Math.round(dots / (this.options.dotsPerCharacter ?? 12));
    const pad = target - this.column();
    for (let i = 0; i < pad; i += 1) this.addText(0x20);
  }

  private addText(b: number): void {
    if (this.pendingText.length === 0) this.pendingStyle = this.style;
    else if (!sameStyle(this.pendingStyle, this.style)) {
      this.flushText();
      this.pendingStyle = this.style;
    }
    this.pendingText.push(b);
  }

  private endLine(): void {
    this.flushText();
    const text = this.segments.map((s) => s.text).join('');
    this.events.push({ type: 'line', text, align: this.align, segments: this.segments });
    this.segments = [];
  }

  private flushPartialLine(): void {
    this.flushText();
    if (this.segments.length > 0) this.endLine();
  }

  private esc(start: number): void {
    const cmd = this.byte();
    if (cmd === undefined) return this.unknown(start, 1);
    this.pos += 1;
    if (cmd === 0x2a) {
      // ESC * m nL nH d…: bit image, 8- or 24-dot columns.
      const m = this.byte() ?? 0;
      const n = (this.byte(1) ?? 0) + (this.byte(2) ?? 0) * 256;
      this.pos += 3;
      this.take(m === 32 || m === 33 ? n * 3 : n);
      return;
    }
    if (cmd === 0x26) {
      // ESC & y c1 c2 [x d…]…: user-defined characters.
      const y = this.byte() ?? 0;
      const c1 = this.byte(1) ?? 0;
      const c2 = this.byte(2) ?? 0;
      this.pos += 3;
      for (let c = c1; c <= c2 && this.pos < this.bytes.length; c += 1) {
        const x = this.byte() ?? 0;
        this.pos += 1 + x * y;
      }
      return;
    }
    if (cmd === 0x44) {
      // ESC D n1 … NUL: tab positions.
      while (this.pos < this.bytes.length && this.bytes[this.pos] !== 0) this.pos += 1;
      this.pos += 1;
      return;
    }
    const fixed = ESC_FIXED[cmd];
    if (fixed === undefined) return this.unknown(start, 2);
    const p = this.take(fixed);
    switch (cmd) {
      case 0x40:
        this.flushPartialLine();
        this.style = PLAIN;
        this.align = 'left';
        this.table = 'cp437';
        this.multiByte = null;
        this.country = 0;
        break;
      case 0x21: {
        const n = p[0] ?? 0;
        this.setStyle({ bold: (n & 0x08) !== 0, height: n & 0x10 ? 2 : 1, width: n & 0x20 ? 2 : 1, underline: (n & 0x80) !== 0 });
        break;
      }
      case 0x2d:
        this.setStyle({ underline: ((p[0] ?? 0) & 0x0f) % 48 !== 0 });
        break;
      case 0x45:
      case 0x47:
        this.setStyle({ bold: ((p[0] ?? 0) & 1) === 1 });
        break;
      case 0x61: {
        const n = (p[0] ?? 0) % 48;
        this.flushText();
        this.align = n === 1 ? 'center' : n === 2 ? 'right' : 'left';
        break;
      }
      case 0x74:
        this.flushText();
        this.table = CODE_TABLES[p[0] ?? 0] ?? 'cp437';
        break;
      case 0x52:
        this.flushText();
        this.country = p[0] ?? 0;
        if (this.multiByte) this.multiByte = DOUBLE_BYTE_BY_COUNTRY[this.country] ?? this.multiByte;
        break;
      case 0x24:
        this.moveTo((p[0] ?? 0) + (p[1] ?? 0) * 256);
        break;
      case 0x5c: {
        const relative = ((p[0] ?? 0) + (p[1] ?? 0) * 256) << 16 >> 16;
        if (relative > 0) this.moveTo(this.column() * (this.options.dotsPerCharacter ?? 12) + relative);
        break;
      }
      case 0x64:
        this.flushPartialLine();
        this.events.push({ type: 'feed', lines: p[0] ?? 0 });
        break;
      case 0x69:
      case 0x6d:
        this.flushPartialLine();
        this.events.push({ type: 'cut', partial: true });
        break;
      case 0x70:
        this.events.push({ type: 'drawer', pin: (p[0] ?? 0) % 48 });
        break;
      default:
        break;
    }
  }

  private gs(start: number): void {
    const cmd = this.byte();
    if (cmd === undefined) return this.unknown(start, 1);
    this.pos += 1;
    switch (cmd) {
      case 0x28: {
        // GS ( fn pL pH …: function groups with an explicit length.
        const fn = this.byte() ?? 0;
        const length = (this.byte(1) ?? 0) + (this.byte(2) ?? 0) * 256;
        this.pos += 3;
        const body = this.take(length);
        if (fn === 0x6b) this.twoDimensional(body);
        else if (fn === 0x4c && body[0] === 0x30 && body[1] === 0x70) this.storeGraphics(body);
        else if (fn === 0x4c && body[0] === 0x30 && (body[1] === 0x32 || body[1] === 0x02)) this.printGraphics();
        return;
      }
      case 0x38: {
        // GS 8 L p1 p2 p3 p4 …: graphics with a 32-bit length.
        const sub = this.byte() ?? 0;
        const length = (this.byte(1) ?? 0) + (this.byte(2) ?? 0) * 0x100 + (this.byte(3) ?? 0) * 0x10000 + (this.byte(4) ?? 0) * 0x1000000;
        this.pos += 5;
        const body = this.take(length);
        if (sub === 0x4c && body[0] === 0x30 && body[1] === 0x70) this.storeGraphics(body);
        return;
      }
      case 0x2a: {
        // GS * x y d…: define downloaded bit image.
        const x = this.byte() ?? 0;
        const y = this.byte(1) ?? 0;
        this.pos += 2 + x * y * 8;
        return;
      }
      case 0x76: {
        // GS v 0 m xL xH yL yH d…: raster bit image.
        if (this.byte() !== 0x30) return this.unknown(start, 2);
        const xBytes = (this.byte(2) ?? 0) + (this.byte(3) ?? 0) * 256;
        const height = (this.byte(4) ?? 0) + (this.byte(5) ?? 0) * 256;
        this.pos += 6;
        this.flushPartialLine();
        this.events.push({ type: 'image', image: raster(this.take(xBytes * height), xBytes * 8, height, xBytes) });
        return;
      }
      case 0x56: {
        // GS V m [n]: cut.
        const m = this.byte() ?? 0;
        this.pos += 1;
        if (m >= 65) this.pos += 1;
        this.flushPartialLine();
        this.events.push({ type: 'cut', partial: m === 1 || m === 49 || m === 66 || m === 98 || m === 104 });
        return;
      }
      case 0x6b: {
        // GS k m …: bar code.
        const m = this.byte() ?? 0;
        this.pos += 1;
        let data: Uint8Array;
        if (m <= 6) {
          const end = this.bytes.indexOf(0, this.pos);
          data = this.take((end < 0 ? this.bytes.length : end) - this.pos);
          this.pos += 1;
        } else {
          const n = this.byte() ?? 0;
          this.pos += 1;
          data = this.take(n);
        }
        this.flushPartialLine();
        // Code 128 data starts with a code set selector ({A, {B, {C) and carries {-escapes.
        const text = (m === 73 || m === 74) && data[0] === 0x7b ? decodeCode128(data) : decodeUtf8(data);
        this.events.push({ type: 'barcode', system: BARCODE_SYSTEMS[m] ?? `m${m}`, data: text });
        return;
      }
      default: {
        const fixed = GS_FIXED[cmd];
        if (fixed === undefined) return this.unknown(start, 2);
        const p = this.take(fixed);
        if (cmd === 0x21) {
          const n = p[0] ?? 0;
          this.setStyle({ width: ((n >> 4) & 0x07) + 1, height: (n & 0x07) + 1 });
        } else if (cmd === 0x42) this.setStyle({ reverse: ((p[0] ?? 0) & 1) === 1 });
      }
    }
  }

  /** GS ( k: QR Code (cn 49) settings, data and print; other symbols are skipped. */
  private twoDimensional(body: Uint8Array): void {
    const cn = body[0];
    const fn = body[1];
    if (cn !== 0x31) return;
    switch (fn) {
      case 0x41:
        this.qrModel = (body[2] ?? 0x32) - 0x30;
        break;
      case 0x43:
        this.qrSize = body[2] ?? 3;
        break;
      case 0x45:
        this.qrLevel = (['L', 'M', 'Q', 'H'] as const)[(body[2] ?? 0x30) - 0x30] ?? 'L';
        break;
      case 0x50:
        this.qrData = body.slice(3);
        break;
      case 0x51:
        if (this.qrData) {
          this.flushPartialLine();
          this.events.push({ type: 'qr', data: this.qrData, text: decodeUtf8(this.qrData), model: this.qrModel, moduleSize: this.qrSize, errorCorrection: this.qrLevel });
        }
        break;
      default:
        break;
    }
  }

  /** GS 8 L … 0 p: store raster graphics (a = 48 monochrome) for the next "print graphics". */
  private storeGraphics(body: Uint8Array): void {
    // m fn a bx by c xL xH yL yH d…
    const width = (body[6] ?? 0) + (body[7] ?? 0) * 256;
    const height = (body[8] ?? 0) + (body[9] ?? 0) * 256;
    const rowBytes = Math.ceil(width / 8);
    this.graphics = raster(body.subarray(10, 10 + rowBytes * height), width, height, rowBytes);
  }

  private printGraphics(): void {
    if (!this.graphics) return;
    this.flushPartialLine();
    this.events.push({ type: 'image', image: this.graphics });
    this.graphics = null;
  }

  private fs(start: number): void {
    const cmd = this.byte();
    if (cmd === undefined) return this.unknown(start, 1);
    this.pos += 1;
    if (cmd === 0x28) {
      // FS ( fn pL pH …
      const length = (this.byte(1) ?? 0) + (this.byte(2) ?? 0) * 256;
      this.pos += 3 + length;
      return;
    }
    const fixed = FS_FIXED[cmd];
    if (fixed === undefined) return this.unknown(start, 2);
    const p = this.take(fixed);
    if (cmd === 0x26) {
      this.flushText();
      this.multiByte = DOUBLE_BYTE_BY_COUNTRY[this.country] ?? this.options.multiByte ?? 'cp949';
    } else if (cmd === 0x2e) {
      this.flushText();
      this.multiByte = null;
    } else if (cmd === 0x21) {
      const n = p[0] ?? 0;
      this.setStyle({ width: n & 0x04 ? 2 : this.style.width, height: n & 0x08 ? 2 : this.style.height, underline: (n & 0x80) !== 0 || this.style.underline });
    }
  }

  private dle(start: number): void {
    const cmd = this.byte();
    this.pos += 1;
    if (cmd === 0x04) {
      // DLE EOT n: real-time status request.
      const n = this.byte() ?? 0;
      this.pos += n === 7 || n === 8 ? 2 : 1;
      this.events.push({ type: 'status-request', kind: n });
    } else if (cmd === 0x05) this.pos += 1;
    else if (cmd === 0x14) this.pos += 3;
    else this.unknown(start, 2);
  }

  run(): DecodedPrint {
    while (this.pos < this.bytes.length) {
      const start = this.pos;
      const b = this.bytes[this.pos]!;
      this.pos += 1;
      if (b === ESC) this.esc(start);
      else if (b === GS) this.gs(start);
      else if (b === FS) this.fs(start);
      else if (b === DLE) this.dle(start);
      else if (b === 0x0a) this.endLine();
      else if (b === 0x0d || b === 0x18) continue;
      else if (b === 0x09) this.addText(0x20);
      else if (b === 0x0c) {
        this.flushPartialLine();
        this.events.push({ type: 'cut', partial: false });
      } else if (b < 0x20) this.unknown(start, 1);
      else this.addText(b);
    }
    this.flushPartialLine();
    const events = this.events;
    return {
      events,
      lines: events.flatMap((e) => (e.type === 'line' ? [e.text] : [])),
      qrCodes: events.flatMap((e) => (e.type === 'qr' ? [e.text] : [])),
      barcodes: events.flatMap((e) => (e.type === 'barcode' ? [e.data] : [])),
      cuts: events.filter((e) => e.type === 'cut').length,
    };
  }
}

function sameStyle(a: TextStyle, b: TextStyle): boolean {
  return a.bold === b.bold && a.underline === b.underline && a.reverse === b.reverse && a.width === b.width && a.height === b.height;
}

/**
 * Code 128 as ESC/POS sends it (GS k 73): `{A` `{B` `{C` select a code set, `{S` shifts one
 * character between A and B, `{1`–`{4` are FNC1–FNC4 and `{{` is a "{". In code set C each byte is
 * a number 0–99 printed as two digits (so "12345678" travels as 4 bytes). FNC1 reads as GS (0x1d),
 * the GS1 separator scanners send for it; FNC2–4 have no text.
 */
function decodeCode128(data: Uint8Array): string {
  let set: 'A' | 'B' | 'C' = 'B';
  let shift = false;
  let out = '';
  for (let i = 0; i < data.length; i += 1) {
    const b = data[i]!;
    if (b === 0x7b && i + 1 < data.length) {
      const code = data[i + 1]!;
      i += 1;
      if (code === 0x41 || code === 0x42 || code === 0x43) set = code === 0x41 ? 'A' : code === 0x42 ? 'B' : 'C';
      else if (code === 0x53) shift = true;
      else if (code === 0x31) out += '\u001d';
      else if (code === 0x7b) out += '{';
      continue;
    }
    if (set === 'C' && !shift) out += b <= 99 ? String(b).padStart(2, '0') : '';
    else out += String.fromCharCode(b);
    shift = false;
  }
  return out;
}

/** Pixels of a 1-bit raster; only the rows the data really holds (a truncated or corrupt header cannot ask for gigabytes). */
function raster(data: Uint8Array, width: number, declaredHeight: number, rowBytes: number): RasterImage {
  const height = rowBytes === 0 ? 0 : Math.min(declaredHeight, Math.floor(data.length / rowBytes));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const byte = data[y * rowBytes + (x >> 3)] ?? 0;
      pixels[y * width + x] = (byte >> (7 - (x & 7))) & 1;
    }
  }
  return { width, height, pixels };
}

export function decodeEscPos(bytes: Uint8Array, options: DecodeOptions = {}): DecodedPrint {
  return new Decoder(bytes, options).run();
}
