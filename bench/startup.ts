/**
 * CLI start-up (issue #21): `twin --help`, `twin profiles` and `twin validate FILE` against `node -e ""`
 * on the same machine, as whole processes run in turn (A B A B …) so a drift in the machine's speed
 * hits both; the ratio is the median of the pairwise ratios. Needs `npm run build` (bin/twin.js runs dist/).
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const runs = 9;

function wall(args: string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}`);
  return (performance.now() - start) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** This measurement before the commands were loaded lazily (commit 564d5fe, 2026-12-01, this machine). */
const before: Record<string, number> = { '--help': 11.69, profiles: 13.99, validate: 11.56 };

export function startupLines(): Array<Record<string, unknown>> {
  const commands: Array<[string, string[]]> = [
    ['--help', ['bin/twin.js', '--help']],
    ['profiles', ['bin/twin.js', 'profiles']],
    ['validate', ['bin/twin.js', 'validate', 'hardware-profiles/pi4b-4gb.yaml']],
  ];
  const baseline = ['-e', ''];
  wall(baseline);
  return commands.map(([name, args]) => {
    wall(args);
    const ratios: number[] = [];
    const twin: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < runs; i++) {
      const a = wall(args);
      const b = wall(baseline);
      twin.push(a);
      node.push(b);
      ratios.push(a / b);
    }
    return {
      benchmark: `cli-startup-twin-${name}`,
      runs,
      wallSeconds: Number(median(twin).toFixed(3)),
      nodeWallSeconds: Number(median(node).toFixed(3)),
      ratioToNode: Number(median(ratios).toFixed(2)),
      target: { ratioToNode: '<= 2.5' },
      before: { ratioToNode: before[name] },
    };
  });
}
