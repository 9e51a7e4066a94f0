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

/** `execa`. */
export function execaModule(): typeof import('execa') {
  return load('execa') as typeof import('execa');
}
