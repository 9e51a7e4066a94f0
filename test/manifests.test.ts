import { describe, expect, it } from 'vitest';
import { parseManifests } from '../src/model/manifests.js';

describe('manifests', () => {
  it('reads multi-document YAML and List objects', () => {
    const objects = parseManifests(
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }',
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: { name: web }',
          'spec:',
          '  replicas: 2',
          '  selector: { matchLabels: { app: web } }',
          '  template:',
          '    metadata: { labels: { app: web } }',
          '    spec:',
          '      containers:',
          '        - { name: web, image: nginx:alpine, resources: { requests: { cpu: 100m, memory: 64Mi } } }',
        ].join('\n'),
        [
          'apiVersion: v1',
          'kind: List',
          'items:',
          '  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }',
          '  - { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }',
        ].join('\n'),
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
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: ok }',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web }',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - { name: web, resources: { limits: { memory: lots } } }',
    ].join('\n');
    expect(() => parseManifests(text, 'm.yaml')).toThrow(
      /m\.yaml \(document 2\): spec\.template\.spec\.containers\[0\]\.image: missing image/,
    );
    expect(() => parseManifests(text, 'm.yaml')).toThrow(/containers\[0\]\.resources\.limits\.memory: "lots" is not a valid size/);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(() => parseManifests('a: [1, 2\nb: 3\n', 'm.yaml')).toThrow(/m\.yaml: line 2, column 1: YAML syntax error/);
  });
});
