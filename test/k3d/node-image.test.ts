import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildRevision,
  nodeImageKubernetes,
  twinNodeImage,
  twinRancherAgentImage,
  twinRancherImage,
  twinToolsImage,
} from '../../src/engines/k3d/offline-build.js';

const script = readFileSync('scripts/build-k3s-image.sh', 'utf8');
const setting = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(script)?.[1];

describe('the offline node image', () => {
  it('twin looks for the images the build script makes', () => {
    expect(setting('K8S_VERSION')).toBe(nodeImageKubernetes);
    expect(setting('IMAGE_REV')).toBe(buildRevision);
    expect(twinNodeImage).toBe(`twin.local/k3s:${nodeImageKubernetes}-${buildRevision}`);
    expect(twinToolsImage).toBe(`twin.local/k3d-tools:${setting('K3D_VERSION')}`);
    expect(twinRancherImage).toBe(`twin.local/rancher-standin:${buildRevision}`);
    expect(twinRancherAgentImage).toBe(`twin.local/rancher-agent-standin:${buildRevision}`);
    expect(script).toContain('AGENT_IMAGE="twin.local/rancher-agent-standin:${IMAGE_REV}"');
  });

  it('the Go modules pin the versions the script names', () => {
    expect(readFileSync('node-image/k3s/go.mod', 'utf8')).toMatch(
      new RegExp(`k8s.io/kubernetes ${nodeImageKubernetes.replace(/\./g, '\\.')}\\b`),
    );
    expect(readFileSync('node-image/k3d/go.mod', 'utf8')).toContain(`github.com/k3d-io/k3d/v5 ${setting('K3D_VERSION')}`);
  });
});
