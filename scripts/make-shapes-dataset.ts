/**
 * Makes examples/data/shapes: a tiny synthetic dataset in the image-folder layout (one folder
 * per class of PNG and JPEG files), for examples/image-folder-protonet.yaml and its test.
 *
 *   pnpm tsx scripts/make-shapes-dataset.ts [outDir]      (default examples/data/shapes)
 *
 * 20 classes (5 shapes × 4 colours) of 20 images each. Every image is drawn from its own
 * counter-based random stream (class, image): canvas 28–44 px a side (not always square),
 * a light background, the shape at a random place, size and angle, its colour jittered; 4×4
 * supersampled. Images 0, 4, 8, … are RGBA PNGs on a transparent background, 1, 5, 9, …
 * JPEGs (quality 85), the others RGB PNGs. The same script always draws the same pixels.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '@metatrain/core';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

export const SHAPES = ['circle', 'cross', 'ring', 'square', 'triangle'] as const;
export const COLOURS = { blue: [40, 80, 220], green: [40, 160, 60], orange: [240, 150, 20], red: [220, 40, 40] } as const;
export const IMAGES_PER_CLASS = 20;
const SUPERSAMPLE = 4;
const SEED = 1;

type Shape = (typeof SHAPES)[number];

/** Whether point (x, y), relative to the shape's centre and turned into its frame, is inside a shape of radius r. */
function inside(shape: Shape, x: number, y: number, r: number): boolean {
  const d = Math.hypot(x, y);
  switch (shape) {
    case 'circle':
      return d <= r;
    case 'ring':
      return d <= r && d >= 0.55 * r;
    case 'square':
      return Math.abs(x) <= 0.8 * r && Math.abs(y) <= 0.8 * r;
    case 'cross':
      return (Math.abs(x) <= 0.3 * r && Math.abs(y) <= r) || (Math.abs(y) <= 0.3 * r && Math.abs(x) <= r);
    case 'triangle':
      // Equilateral, pointing up in its frame: below the two upper edges, above the base.
      return y <= 0.5 * r && Math.sqrt(3) * x - y <= r && -Math.sqrt(3) * x - y <= r;
  }
}

interface Drawing {
  width: number;
  height: number;
  /** RGBA, alpha 0 on the background when `transparent` */
  rgba: Uint8Array;
}

function draw(shape: Shape, colour: readonly number[], rng: Rng, transparent: boolean): Drawing {
  const width = 28 + rng.int(17);
  const height = 28 + rng.int(17);
  const side = Math.min(width, height);
  const r = side * rng.uniform(0.26, 0.4);
  const cx = width / 2 + rng.uniform(-1, 1) * (width / 2 - r - 1);
  const cy = height / 2 + rng.uniform(-1, 1) * (height / 2 - r - 1);
  const angle = rng.uniform(0, 2 * Math.PI);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const fill = colour.map((v) => Math.max(0, Math.min(255, v + rng.int(31) - 15)));
  const background = [0, 1, 2].map(() => 215 + rng.int(41));
  const rgba = new Uint8Array(width * height * 4);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      let covered = 0;
      for (let s = 0; s < SUPERSAMPLE * SUPERSAMPLE; s++) {
        const x = px + ((s % SUPERSAMPLE) + 0.5) / SUPERSAMPLE - cx;
        const y = py + (Math.floor(s / SUPERSAMPLE) + 0.5) / SUPERSAMPLE - cy;
        if (inside(shape, cos * x + sin * y, -sin * x + cos * y, r)) covered++;
      }
      const a = covered / (SUPERSAMPLE * SUPERSAMPLE);
      const p = (py * width + px) * 4;
      for (let c = 0; c < 3; c++) {
        rgba[p + c] = transparent ? (fill[c] as number) : Math.round(a * (fill[c] as number) + (1 - a) * (background[c] as number));
      }
      rgba[p + 3] = transparent ? Math.round(255 * a) : 255;
    }
  }
  return { width, height, rgba };
}

function png({ width, height, rgba }: Drawing, colorType: 2 | 6): Uint8Array {
  const options = { colorType, inputColorType: 6, inputHasAlpha: true } as const;
  const image = new PNG({ width, height, ...options });
  image.data = Buffer.from(rgba);
  return PNG.sync.write(image, options);
}

/** The dataset as files: `<colour>-<shape>/<nn>.png|jpg` → bytes. */
export function shapesDataset(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  Object.entries(COLOURS).forEach(([colourName, colour], c) => {
    SHAPES.forEach((shape, s) => {
      for (let i = 0; i < IMAGES_PER_CLASS; i++) {
        const rng = new Rng([SEED, c, s, i]);
        const name = `${colourName}-${shape}/${String(i).padStart(2, '0')}`;
        const drawing = draw(shape, colour, rng, i % 4 === 0);
        if (i % 4 === 1) files[`${name}.jpg`] = encodeJpeg({ width: drawing.width, height: drawing.height, data: drawing.rgba }, 85).data;
        else files[`${name}.png`] = png(drawing, i % 4 === 0 ? 6 : 2);
      }
    });
  });
  return files;
}

/** Writes the dataset into `outDir`, replacing its class folders. */
export function writeShapesDataset(outDir: string): number {
  const files = shapesDataset();
  for (const folder of new Set(Object.keys(files).map((f) => dirname(f)))) rmSync(join(outDir, folder), { recursive: true, force: true });
  for (const [file, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    writeFileSync(join(outDir, file), bytes);
  }
  return Object.keys(files).length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = resolve(process.argv[2] ?? fileURLToPath(new URL('../examples/data/shapes', import.meta.url)));
  const count = writeShapesDataset(outDir);
  process.stdout.write(`wrote ${count} images in ${SHAPES.length * Object.keys(COLOURS).length} classes to ${outDir}\n`);
}
