/**
 * twin-netq (node-image/netq) and twin-link, a link-degrade's delay and loss on real nodes: built into
 * the node image, the entrypoint leaves a node without /etc/twin/link alone, `twin doctor` says which
 * part is missing, and the Go tests (the config file, the nfnetlink_queue messages, the in-order
 * queue) run here, where Go is installed. docker.test.ts measures the delay and loss on real containers.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { delayLossRow } from '../../src/engines/k3d/doctor.js';
import { linkFileContent } from '../../src/engines/k3d/link-impairment.js';
import { expectBuiltIntoImage, expectGoTestsPass, haveGo } from '../helpers/go.js';

const go = haveGo('netq');

describe('node-image/netq and twin-link', () => {
  it('are built into the node image, and their sources are part of its hash', () => {
    expectBuiltIntoImage('netq', 'NETQ_BIN');
    const script = readFileSync('scripts/build-k3s-image.sh', 'utf8');
    expect(script).toContain('install -m 0755 "$NETQ_BIN" "$d/usr/local/bin/twin-netq"');
    expect(script).toContain('install -m 0755 node-image/entrypoint/twin-link.sh "$d/usr/local/bin/twin-link"');
  });

  it('start a node without /etc/twin/link untouched, and never stop K3s from starting', () => {
    const run = spawnSync('sh', ['node-image/entrypoint/k3d-entrypoint-twin-link.sh'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toBe('');
  });

  it("write the file twin-netq reads: the delay in seconds and the loss's probability", () => {
    expect(linkFileContent(0.15, 0.025)).toBe('delay 0.15\nloss 0.025\n');
    expect(linkFileContent(1 / 3, 0)).toBe('delay 0.333333\nloss 0\n');
  });

  it("twin doctor says whether delay and loss reach real nodes: the image's twin-netq, NFQUEUE and nfnetlink_queue", () => {
    const here = { netem: 'Error: Specified qdisc kind is unknown.', nfqueue: null, queueToUserSpace: true };
    expect(delayLossRow(true, here)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^twin-netq delays and drops .*; tc netem is not here \(Error: Specified qdisc kind is unknown.\)$/),
    });
    expect(delayLossRow(false, here)).toMatchObject({ ok: false, detail: expect.stringMatching(/no twin-netq .* refused/) });
    expect(delayLossRow(true, { ...here, nfqueue: 'iptables: No chain/target/match by that name.' })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/refuses an NFQUEUE rule \(iptables: No chain.*\): link-degrade with delay or loss fails/),
    });
    expect(delayLossRow(true, { ...here, queueToUserSpace: false }).ok).toBe(false);
    expect(delayLossRow(true, { ...here, netem: null }).detail).toMatch(/tc netem works here too$/);
  });

  it.skipIf(!go)('passes its Go tests', () => expectGoTestsPass('netq', 240_000), 300_000);
});
