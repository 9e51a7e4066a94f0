/**
 * Issue #16: every malformed manifest gets one line naming file, field, value and fix, from the
 * one loader every command uses, so `validate`, `plan` and `bringup` refuse the same inputs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../src/model/manifests.js';
import { parseYamlDocuments } from '../src/model/validation.js';
import { twin } from './helpers/cli.js';

const dir = 'test/fixtures/invalid-manifests';
const problems = (name: string): string => {
  const file = `${dir}/${name}.yaml`;
  try {
    parseManifests(readFileSync(file, 'utf8'), file);
  } catch (error) {
    return (error as Error).message;
  }
  return 'ok';
};

describe('manifest mistakes (#16)', () => {
  it.each([
    ['memory-usage-abc', 'spec.template.metadata.annotations["twin.dev/memory-usage"]: "abc" is not a size (write e.g. 300Mi or 1.2Gi)'],
    [
      'startup-time-negative',
      'spec.template.metadata.annotations["twin.dev/startup-time"]: "-30s" is negative (write a duration such as 40s)',
    ],
    ['replicas-negative', 'spec.replicas: -1 is negative (write 0 or more, e.g. replicas: 1)'],
    ['replicas-word', 'spec.replicas: "three" is not an integer (write a whole number without quotes)'],
    [
      'replicas-huge',
      'spec.replicas: 1000000000 is more pods than twin simulates for one workload (use at most 1000; a K3s node runs at most 110 pods)',
    ],
    [
      'selector-mismatch',
      "spec.selector: {app: api} does not match the pod template's labels {app: web} " +
        '(make spec.template.metadata.labels carry every label the selector asks for)',
    ],
    [
      'kind-unknown',
      'kind: "Klusterr" is not a Kubernetes kind of apps/v1 ' +
        '(kinds of apps/v1: ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet)',
    ],
    [
      'kind-typo',
      'kind: "Deploymnet" is not a Kubernetes kind of apps/v1 ' +
        '(did you mean Deployment? kinds of apps/v1: ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet)',
    ],
    [
      'twin-kind-typo',
      'kind: "Clusterr" is not a kind of twin/v1alpha1 (did you mean Cluster? twin\'s own kinds are Cluster and HardwareProfile)',
    ],
    ['api-version-wrong', 'apiVersion: "extensions/v1beta1" does not serve kind Deployment (use apiVersion: apps/v1)'],
    [
      'annotation-typo',
      'spec.template.metadata.annotations["twin.dev/memory-useage"]: ' +
        '"twin.dev/memory-useage" is not an annotation twin reads (did you mean twin.dev/memory-usage?',
    ],
    [
      'annotation-no-such-container',
      'spec.template.metadata.annotations["twin.dev/cpu-usage.sidecar"]: no container "sidecar" in this pod (containers: web)',
    ],
    [
      'architectures-unknown',
      'spec.template.metadata.annotations["twin.dev/architectures"]: "arm64,aarch32" lists "aarch32", not an architecture',
    ],
    [
      'helm-unrendered',
      'spec.replicas: "{{ .Values.replicaCount }}" is an unrendered Helm template expression ' +
        '(render the chart first: helm template RELEASE CHART -f values.yaml > manifests.yaml)',
    ],
    ['helm-control', 'line 17, column 11: "{{- with .Values.resources }}" is an unrendered Helm template expression'],
    [
      'alias-bomb',
      'document 1: aliases (*name) expand too many times (more than 1000; an alias bomb?) (write the values out, or use fewer aliases)',
    ],
    ['deep-nesting', 'line 6: nesting deeper than 100 levels'],
  ])('%s', (name, line) => {
    expect(problems(name)).toContain(`${dir}/${name}.yaml: ${line}`);
  });

  it('says each problem once, one line each', () => {
    expect(problems('replicas-word').split('\n')).toHaveLength(1);
    expect(problems('helm-unrendered').split('\n')).toEqual([
      expect.stringContaining('metadata.name: "{{ include "web.fullname" . }}" is an unrendered Helm template expression'),
      expect.stringContaining('spec.replicas:'),
      expect.stringContaining('spec.template.spec.containers[0].image:'),
    ]);
  });

  it('keeps kinds it does not model, custom resources, and Go templates in ConfigMap data', () => {
    expect(problems('kept-not-modelled')).toBe('ok');
  });

  it('refuses an alias bomb and deep nesting (the test timeout bounds how long that may take)', () => {
    expect(problems('alias-bomb')).toMatch(/alias bomb/);
    expect(problems('deep-nesting')).toMatch(/nesting deeper/);
    expect(() => parseYamlDocuments(readFileSync('test/fixtures/yaml-limits/profile-deep.yaml', 'utf8'), 'p.yaml')).toThrow(
      /p\.yaml: line 6: nesting deeper than 100 levels/,
    );
  });

  it('validate, plan and bringup refuse the same input with the same line, exit 2', () => {
    const file = `${dir}/memory-usage-abc.yaml`;
    const line = `${file}: spec.template.metadata.annotations["twin.dev/memory-usage"]: "abc" is not a size (write e.g. 300Mi or 1.2Gi)`;
    const validate = twin(['validate', file]);
    const plan = twin(['plan', 'scenarios/clusters/edgestack-pi4.yaml', '-w', file]);
    const bringup = twin(['bringup', 'scenarios/clusters/edgestack-pi4.yaml', '-w', file]);
    for (const result of [validate, plan, bringup]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(line);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('twin validate lists what it keeps without modelling', () => {
    const result = twin(['validate', `${dir}/kept-not-modelled.yaml`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok .*3 Kubernetes manifests — not modelled, kept as is: IngressRoute/);
  });

  it.each([
    [
      'a cluster',
      'test/fixtures/yaml-limits/cluster-alias-bomb.yaml',
      /cluster-alias-bomb\.yaml: document 1: aliases \(\*name\) expand too many times/,
    ],
    ['a profile', 'test/fixtures/yaml-limits/profile-deep.yaml', /profile-deep\.yaml: line 6: nesting deeper than 100 levels/],
  ])('twin validate gives %s with a YAML bomb one line and exit 2', (_what, file, pattern) => {
    const result = twin(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
  });
});
