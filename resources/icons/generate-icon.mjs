// Draws Tally's app icon (resources/icons/tally.png, 512×512): a teal rounded square with a white
// "T" and a coin. electron-builder makes the Linux icon sizes and the Windows .ico from it.
// Run again after a change: node resources/icons/generate-icon.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const SIZE = 512;
const png = new PNG({ width: SIZE, height: SIZE });

const TEAL = [15, 118, 110];
const WHITE = [255, 255, 255];
const GOLD = [251, 191, 36];

/** Coverage (0…1) of pixel (x, y) by a shape, sampled 4×4 inside the pixel for smooth edges. */
function coverage(inside, x, y) {
  let hits = 0;
  for (let i = 0; i < 4; i += 1) for (let j = 0; j < 4; j += 1) if (inside(x + (i + 0.5) / 4, y + (j + 0.5) / 4)) hits += 1;
  return hits / 16;
}

function paint(inside, [r, g, b]) {
  for (let y = 0; y < SIZE; y += 1) {
    for (let x = 0; x < SIZE; x += 1) {
      const a = coverage(inside, x, y);
      if (a === 0) continue;
      const k = (y * SIZE + x) * 4;
      const under = png.data[k + 3] / 255;
      const out = a + under * (1 - a);
      png.data[k] = Math.round((r * a + png.data[k] * under * (1 - a)) / out);
      png.data[k + 1] = Math.round((g * a + png.data[k + 1] * under * (1 - a)) / out);
      png.data[k + 2] = Math.round((b * a + png.data[k + 2] * under * (1 - a)) / out);
      png.data[k + 3] = Math.round(out * 255);
    }
  }
}

const roundedSquare = (x0, y0, x1, y1, radius) => (x, y) => {
  const cx = Math.min(Math.max(x, x0 + radius), x1 - radius);
  const cy = Math.min(Math.max(y, y0 + radius), y1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2 && x >= x0 && x <= x1 && y >= y0 && y <= y1;
};
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const circle = (cx, cy, radius) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;

paint(roundedSquare(16, 16, 496, 496, 96), TEAL);
paint(rect(112, 112, 400, 176), WHITE);
paint(rect(224, 112, 288, 400), WHITE);
paint(circle(368, 352, 56), GOLD);
paint(circle(368, 352, 30), TEAL);

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tally.png');
writeFileSync(out, PNG.sync.write(png));
console.log(`wrote ${out}`);
