import { describe, expect, it } from 'vitest';
import { parseManifests } from '../src/model/manifests.js';

describe('manifests', () => {
  it('reads multi-document YAML and List objects', () => {
    const objects = parseManifests(
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers:\n        - { name: web, image: nginx:alpine, resources: { requests: { cpu: 100m, memory: 64Mi } } }',
        'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }',
      ].join('\n---\n'),
      'm.yaml',
    );
    expect(objects.map((o) => `${o.object.kind}/${o.object.metadata?.name}`)).toEqual([
      'Namespace/shop',
      'Deployment/web',
      'ConfigMap/a',
      'ConfigMap/b',
    ]);
  });

  it('names the document and field of a malformed manifest', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template:\n    spec:\n      containers:\n        - { name: web, resources: { limits: { memory: lots } } }';
    expect(() => parseManifests(text, 'm.yaml')).toThrow(
      /m\.yaml \(document 2\): spec\.template\.spec\.containers\[0\]\.image: missing image/,
    );
    expect(() => parseManifests(text, 'm.yaml')).toThrow(/containers\[0\]\.resources\.limits\.memory: "lots" is not a valid size/);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(() => parseManifests('a: [1, 2\nb: 3\n', 'm.yaml')).toThrow(/m\.yaml: line 2, column 1: YAML syntax error/);
  });
});
