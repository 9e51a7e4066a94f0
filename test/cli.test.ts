import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { twin } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'twin-cli-'));
function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('twin CLI', () => {
  it('prints help and version', () => {
    const help = twin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('twin profiles');
    expect(help.stdout).toContain('twin validate');
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 expectations failed, 2 bad input/);
    const version = twin(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists profiles as a table and shows one with its sources', () => {
    const list = twin(['profiles']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/pi3bplus\s+Raspberry Pi 3 Model B\+/);
    expect(list.stdout).toMatch(/pizero2w.*wifi 35Mbit\/s/);
    const show = twin(['profiles', 'show', 'pi4b-4gb']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('939Mbit/s');
    expect(show.stdout).toContain('geerlingguy/sbc-reviews');
    const json = twin(['profiles', '--json']);
    expect(JSON.parse(json.stdout).length).toBeGreaterThanOrEqual(12);
  });

  it('fails with exit 2 and one line for an unknown profile name', () => {
    const result = twin(['profiles', 'show', 'pi9']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/unknown hardware profile "pi9"/);
  });

  it('validates every shipped profile and cluster', () => {
    const result = twin([
      'validate',
      'hardware-profiles/pi3bplus.yaml',
      'hardware-profiles/pizero2w.yaml',
      'scenarios/clusters/edgestack-pi3.ts',
      'scenarios/clusters/ha-gallade.yaml',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok   scenarios/clusters/edgestack-pi3.ts: Cluster edgestack-pi3 (8 nodes)');
  });

  it('validates scenarios against their clusters', () => {
    const ok = twin(['validate', 'scenarios/worker-power-loss.ts', 'scenarios/nfs-node-down.ts']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      'ok   scenarios/worker-power-loss.ts: Scenario worker-power-loss (1 fault, 7 expectations, cluster edgestack-pi3)',
    );
    // Its CronJob lego-scraper is modelled (src/sim/cronjobs.ts); only the seed's Traefik IngressRoute (a custom resource) is not.
    expect(ok.stdout).toContain(
      'ok   scenarios/nfs-node-down.ts: Scenario nfs-node-down (1 fault, 4 expectations, cluster homelab-nfs) — ' +
        'not modelled, kept as is: IngressRoute/default/portfolio\n',
    );
    const bad = twin(['validate', 'test/fixtures/scenarios/unknown-node.ts']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/faults\[0\]\.node: no node named "dcn9"/);
  });

  it.each([
    ['malformed YAML', 'a: [1, 2\nb: 3\n', /bad\.yaml: line 2, column 1: YAML syntax error/],
    [
      'an unknown profile',
      'apiVersion: twin/v1alpha1\nkind: Cluster\nmetadata: { name: c }\nspec:\n  nodes: [{ name: a, profile: pi9, role: server }]\n',
      /bad\.yaml: spec\.nodes\[0\]\.profile: unknown hardware profile "pi9"/,
    ],
    [
      'an unknown key',
      'apiVersion: twin/v1alpha1\nkind: Cluster\nmetadata: { name: c }\nspec:\n' +
        '  nodes: [{ name: a, profile: pi4b, role: server, cpus: 4 }]\n',
      /bad\.yaml: spec\.nodes\[0\]\.cpus: unknown key "cpus"/,
    ],
    [
      'a duplicate node name',
      'apiVersion: twin/v1alpha1\nkind: Cluster\nmetadata: { name: c }\nspec:\n' +
        '  nodes: [{ name: a, profile: pi4b, role: server }, { name: a, profile: pi4b, role: agent }]\n',
      /bad\.yaml: spec\.nodes\[1\]\.name: duplicate node name "a"/,
    ],
    [
      'a malformed manifest',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: { template: { spec: { containers: [{ name: web }] } } }\n',
      /bad\.yaml: spec\.template\.spec\.containers\[0\]\.image: missing image/,
    ],
  ])('rejects %s with exit 2, naming file and field, no stack trace', (_name, text, pattern) => {
    const path = file('bad.yaml', text);
    const result = twin(['validate', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects negative RAM in a profile', () => {
    const shipped = readFileSync(new URL('../hardware-profiles/pi3bplus.yaml', import.meta.url), 'utf8');
    const path = file('neg.yaml', shipped.replace('value: 1Gi', 'value: -1Gi'));
    const result = twin(['validate', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/neg\.yaml: spec\.memory\.value: size must not be negative/);
  });

  it('reports a missing file and an unknown command as bad input', () => {
    const missing = twin(['validate', 'no/such/file.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no\/such\/file\.yaml: file not found/);
    const unknown = twin(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^twin: Unknown argument: frobnicate/);
  });
});
