/** For each output pixel along one axis: the source pixels it covers and their weights. */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array[];
}

function axisWeights(from: number, to: number): AxisWeights {
  const scale = from / to;
  const start = new Int32Array(to);
  const count = new Int32Array(to);
  const weights: Float64Array[] = [];
  for (let o = 0; o < to; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const first = Math.floor(lo);
    const last = Math.min(from - 1, Math.ceil(hi) - 1);
    const w = new Float64Array(last - first + 1);
    for (let s = first; s <= last; s++) w[s - first] = (Math.min(hi, s + 1) - Math.max(lo, s)) / scale;
    start[o] = first;
    count[o] = w.length;
    weights.push(w);
  }
  return { start, count, weights };
}

const axisCache = new Map<string, AxisWeights>();

function cachedAxis(from: number, to: number): AxisWeights {
  const key = `${from}>${to}`;
  let axis = axisCache.get(key);
  if (!axis) {
    axis = axisWeights(from, to);
    axisCache.set(key, axis);
  }
  return axis;
}

/**
 * Area-averaging (box filter) resize of an image to size × size: every output pixel is the
 * mean of the source area it covers, with fractional coverage at its edges (what OpenCV calls
 * INTER_AREA), each channel on its own. `src` and `out` are interleaved (HWC) with `channels`
 * values per pixel. Separable, accumulated in float64, clamped to [0, 1], and written as
 * float32 into `out` at `offset`. Deterministic: no platform maths involved.
 */
export function resizeArea(
  src: Float32Array,
  width: number,
  height: number,
  size: number,
  out: Float32Array,
  offset = 0,
  channels = 1,
): void {
  const ax = cachedAxis(width, size);
  const ay = cachedAxis(height, size);
  const rowWidth = size * channels;
  // Horizontal pass: height × size × channels.
  const rows = new Float64Array(height * rowWidth);
  for (let y = 0; y < height; y++) {
    const srcRow = y * width;
    for (let o = 0; o < size; o++) {
      const w = ax.weights[o] as Float64Array;
      const first = srcRow + (ax.start[o] as number);
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += (w[k] as number) * (src[(first + k) * channels + c] as number);
        rows[y * rowWidth + o * channels + c] = acc;
      }
    }
  }
  // Vertical pass: size × size × channels.
  for (let o = 0; o < size; o++) {
    const w = ay.weights[o] as Float64Array;
    const first = ay.start[o] as number;
    for (let x = 0; x < rowWidth; x++) {
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += (w[k] as number) * (rows[(first + k) * rowWidth + x] as number);
      out[offset + o * rowWidth + x] = acc < 0 ? 0 : acc > 1 ? 1 : acc;
    }
  }
}

const permutationCache = new Map<string, Int32Array>();

/**
 * Source index of every pixel of a size × size image turned `quarterTurns` × 90°
 * counter-clockwise (numpy's rot90): out[i] = src[perm[i]]. An exact permutation.
 */
export function rotationPermutation(size: number, quarterTurns: number): Int32Array {
  const turns = ((quarterTurns % 4) + 4) % 4;
  const key = `${size}@${turns}`;
  let perm = permutationCache.get(key);
  if (perm) return perm;
  perm = new Int32Array(size * size);
  const n = size - 1;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const [sr, sc] = turns === 0 ? [r, c] : turns === 1 ? [c, n - r] : turns === 2 ? [n - r, n - c] : [n - c, r];
      perm[r * size + c] = sr * size + sc;
    }
  }
  permutationCache.set(key, perm);
  return perm;
}

/** Copies a size × size image (`channels` values per pixel) from src[srcOffset…] to out[outOffset…], rotated. */
export function copyRotated(
  src: Float32Array,
  srcOffset: number,
  size: number,
  quarterTurns: number,
  out: Float32Array,
  outOffset: number,
  channels = 1,
): void {
  const values = size * size * channels;
  if (quarterTurns % 4 === 0) {
    out.set(src.subarray(srcOffset, srcOffset + values), outOffset);
    return;
  }
  const perm = rotationPermutation(size, quarterTurns);
  for (let i = 0; i < perm.length; i++) {
    const from = srcOffset + (perm[i] as number) * channels;
    for (let c = 0; c < channels; c++) out[outOffset + i * channels + c] = src[from + c] as number;
  }
}
