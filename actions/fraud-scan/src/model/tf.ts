import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { tf };

const WASM_FILE = 'tfjs-backend-wasm.wasm';

/**
 * Where the backend's .wasm binaries are: beside the bundle (dist/, copied there by the build
 * from build.json) or, when running from source (tests), in node_modules.
 */
function wasmFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    here,
    path.resolve(here, '../../../node_modules/@tensorflow/tfjs-backend-wasm/dist'),
    path.resolve(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist')
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, WASM_FILE)));
  if (!found) {
    throw new Error(`Cannot find ${WASM_FILE} (looked in ${candidates.join(', ')}).`);
  }
  return found;
}

let ready: Promise<void> | undefined;

/**
 * Select the WebAssembly backend once per process. Everything else in this action uses only
 * backend-neutral tfjs calls, so the CPU or a future backend would run the same code.
 */
export function initTensorflow(): Promise<void> {
  ready ??= (async () => {
    const folder = wasmFolder();
    // The emscripten glue reads __dirname, which an ES module does not have.
    (globalThis as { __dirname?: string }).__dirname ??= folder;
    setWasmPaths(`${folder}/`);
    if (!(await tf.setBackend('wasm')))
      throw new Error('The TensorFlow.js wasm backend did not start.');
    await tf.ready();
  })();
  return ready;
}
