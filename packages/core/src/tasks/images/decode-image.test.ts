import { describe, expect, it } from 'vitest';
import { jpegFromRgb, pngFromRgba } from '../../testing/image-files';
import { decodeImage, isImageName } from './decode-image';

describe('decodeImage', () => {
  it('tells PNG from JPEG by their signatures, not by the file name', () => {
    const png = decodeImage(pngFromRgba(2, 1, [0, 0, 0, 255, 255, 255, 255, 255], 0));
    expect([png.width, png.height, png.channels, ...png.samples]).toEqual([2, 1, 1, 0, 255]);
    // A flat colour survives JPEG's quantisation within a few levels.
    const rgb = Array.from({ length: 16 * 8 }, () => [200, 40, 90]).flat();
    const jpeg = decodeImage(jpegFromRgb(16, 8, rgb, 95));
    expect([jpeg.width, jpeg.height, jpeg.channels, jpeg.max]).toEqual([16, 8, 3, 255]);
    for (let i = 0; i < rgb.length; i++) expect(Math.abs((jpeg.samples[i] as number) - (rgb[i] as number))).toBeLessThanOrEqual(3);
  });

  it('decodes a JPEG to the same bits every time', () => {
    const noise = Array.from({ length: 24 * 24 * 3 }, (_, i) => (i * 7919) % 256);
    const bytes = jpegFromRgb(24, 24, noise, 75);
    expect(decodeImage(bytes).samples).toEqual(decodeImage(Uint8Array.from(bytes)).samples);
  });

  it('refuses other files and broken JPEGs, saying why', () => {
    expect(() => decodeImage(new TextEncoder().encode('GIF89a......'))).toThrow('neither a PNG nor a JPEG (unknown signature)');
    const jpeg = jpegFromRgb(16, 16, Array.from({ length: 16 * 16 * 3 }, (_, i) => i % 256));
    // Strict decoding: a cut-off file throws rather than coming out partly grey.
    expect(() => decodeImage(jpeg.subarray(0, jpeg.length >> 1))).toThrow(/unknown JPEG marker/);
    expect(() => decodeImage(jpeg.subarray(0, jpeg.length - 2))).toThrow(/marker was not found/);
  });
});

describe('isImageName', () => {
  it('takes .png, .jpg and .jpeg in any case and nothing else', () => {
    expect(['a.png', 'B.PNG', 'c.jpg', 'd.JPG', 'e.jpeg', 'f.JpEg'].every(isImageName)).toBe(true);
    expect(['a.gif', 'b.png.txt', 'png', 'c.jpe', 'notes.md'].some(isImageName)).toBe(false);
  });
});
