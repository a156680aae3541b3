import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** Unit tests run on the wasm backend, as the workers of this machine do. */
export async function useTestBackend(name = 'wasm'): Promise<void> {
  if (tf.getBackend() !== name) await tf.setBackend(name);
  await tf.ready();
}
