/**
 * Reverses the PNG scanline filters (None, Sub, Up, Average, Paeth) of `height` rows of
 * `rowBytes` bytes, each preceded by its filter byte; `bpp` is the bytes per complete pixel
 * (at least 1), the distance the filters look back. Returns the rows without filter bytes.
 */
export function unfilter(raw: Uint8Array, height: number, rowBytes: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    const prev = dst - rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const value = raw[src + i] as number;
      const left = i >= bpp ? (out[dst + i - bpp] as number) : 0;
      const up = y > 0 ? (out[prev + i] as number) : 0;
      const upLeft = y > 0 && i >= bpp ? (out[prev + i - bpp] as number) : 0;
      let predicted: number;
      switch (filter) {
        case 0:
          predicted = 0;
          break;
        case 1:
          predicted = left;
          break;
        case 2:
          predicted = up;
          break;
        case 3:
          predicted = (left + up) >> 1;
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
          break;
        }
        default:
          throw new Error(`bad PNG filter type ${filter} on row ${y}`);
      }
      out[dst + i] = (value + predicted) & 0xff;
    }
  }
  return out;
}
