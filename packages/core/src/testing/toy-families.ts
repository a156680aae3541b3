import type { Rng } from '../rng/counter-rng';
import type { Task, TaskFamily } from '../tasks/task';

/**
 * Small synthetic task families for fast unit tests of the algorithms.
 * blobs: N-way classification of 2-d points around per-task random class centres.
 */
export function blobsFamily(ways = 3, shots = 2, queryShots = 4): TaskFamily {
  function side(rng: Rng, centres: number[][], perClass: number) {
    const n = ways * perClass;
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let c = 0; c < ways; c++) {
      for (let k = 0; k < perClass; k++) {
        const i = c * perClass + k;
        x[2 * i] = (centres[c]?.[0] ?? 0) + 0.3 * rng.normal();
        x[2 * i + 1] = (centres[c]?.[1] ?? 0) + 0.3 * rng.normal();
        y[i] = c;
      }
    }
    return { x, y, n };
  }
  return {
    family: 'blobs',
    kind: 'classification',
    inputShape: [2],
    outputSize: ways,
    supportSize: ways * shots,
    querySize: ways * queryShots,
    sample(rng: Rng): Task {
      const centres = Array.from({ length: ways }, () => [rng.uniform(-2, 2), rng.uniform(-2, 2)]);
      return { support: side(rng, centres, shots), query: side(rng, centres, queryShots) };
    },
    describe: () => ({ preprocessing: {}, source: { family: 'blobs' } }),
  };
}
