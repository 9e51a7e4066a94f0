/**
 * Packages loaded on first use, not when twin's entry point is imported. A user's scenario or
 * cluster file imports `twin` for `defineScenario`; without this, that import also loaded the
 * Kubernetes client (about 830 modules) and execa (about 110), which only the k3d engine, `twin
 * watch`, `import`, `calibrate` and `merge --from-job` use, and made every `twin run`, `check`
 * and `plan` start about a second later. Node loads an ES module with `require` (require(esm),
 * on by default since Node 20.19, package.json `engines`), so the callers stay synchronous.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** `@kubernetes/client-node`. */
export function clientNode(): typeof import('@kubernetes/client-node') {
  return load('@kubernetes/client-node') as typeof import('@kubernetes/client-node');
}

let execa: typeof import('execa') | undefined;

/**
 * `execa`, by `import()`: an ES module all the way down, also where a CommonJS require hook resolves
 * the packages a required ES module imports with require's conditions (tsx's, in a user's project
 * that runs its tests under `tsx`: execa's `unicorn-magic` exports only for import, and `require`
 * failed there, so twin doctor said Docker was missing).
 */
export async function loadExeca(): Promise<typeof import('execa')> {
  execa ??= await import('execa');
  return execa;
}

/** `execa` where the caller cannot wait: the module {@link loadExeca} loaded, else by `require`. */
export function execaModule(): typeof import('execa') {
  execa ??= load('execa') as typeof import('execa');
  return execa;
}
