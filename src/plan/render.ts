/** `twin plan` output: terminal tables (the HTML page is in html.ts). */
import { formatBytes, formatMillicores } from '../model/units.js';
import type { ComparedPlan } from './compare.js';
import type { PlanResult } from './plan.js';
import type { SearchResult } from './search.js';
import { unfinishedLines } from '../report/unfinished.js';

export type Table = (head: string[], rows: Array<Array<string | number>>) => string;

export function nodeRows(plan: PlanResult): Array<Array<string | number>> {
  return plan.nodes.map((n) => [
    n.name,
    n.board,
    n.role,
    n.pods,
    `${formatMillicores(n.requestedCpu)} / ${formatMillicores(n.effectiveAllocatableCpu)} (${n.headroomCpuPercent}%)`,
    `${formatBytes(n.requestedMemory)} / ${formatBytes(n.effectiveAllocatableMemory)} ` +
      `(${formatBytes(n.headroomMemory)}, ${n.headroomMemoryPercent}%)`,
    `${formatBytes(n.usedMemory)} / ${formatBytes(n.capacityMemory)}${n.usedMemory > n.capacityMemory ? ' ⚠ OOM' : ''}`,
    `${formatMillicores(n.limitCpu)} / ${formatBytes(n.limitMemory)}`,
    `${n.expectedWatts} W`,
    n.powerBudget,
  ]);
}

export const nodeHead = [
  'node',
  'board',
  'role',
  'pods',
  'CPU requested / allocatable',
  'memory requested / allocatable after OS+K3s (headroom)',
  'memory in use / capacity',
  'limits cpu/mem',
  'draw',
  'power supply',
];

export function renderPlanText(plan: PlanResult, table: Table): string {
  const out: string[] = [];
  out.push(`Plan for ${plan.cluster}: ${plan.fits ? 'everything schedules ✔' : `${plan.pending.length} pod(s) do not fit ✘`}`);
  if (plan.measured) out.push(`Measured on ${plan.measured}: memory and K3s overhead per node from the calibration`);
  out.push(table(nodeHead, nodeRows(plan)));
  for (const p of plan.pending) out.push(`  ✘ ${p.pod} (${p.workload}) does not fit: ${p.reason} — fix: ${p.fix}`);
  const { tolerate, survives, weakest } = plan.tolerance;
  out.push(
    '',
    `Failure tolerance (any ${tolerate} node${tolerate > 1 ? 's' : ''}): ` +
      (survives ? 'survives ✔' : 'does not survive every failure ✘') +
      (weakest ? ` — weakest: ${weakest}` : ''),
  );
  out.push(
    table(
      ['failed', 'API', 'rescheduled', 'lost (DaemonSet)', 'left pending'],
      plan.tolerance.failures.map((f) => [
        f.failed.join(' + '),
        f.apiAvailable ? 'up' : 'DOWN',
        f.rescheduled,
        f.lost,
        f.pending.length === 0 ? '—' : f.pending.map((p) => `${p.pod} (${p.kind})`).join(', '),
      ]),
    ),
  );
  out.push(`Control plane: ${plan.tolerance.controlPlane}`);
  const p = plan.power;
  out.push(
    '',
    `Power: ${p.idleWatts} W idle, ${p.expectedWatts} W expected → ${p.kwhPerMonth} kWh/month → ` +
      `$${p.costPerMonth}/month at $${p.kwhPrice}/kWh; hardware $${p.purchaseUsd} at launch prices`,
  );
  for (const f of plan.findings) out.push(`${f.severity === 'error' ? '✘ error' : '⚠ warning'}: ${f.message}`);
  for (const a of plan.assumptions) out.push(`assumption: ${a}`);
  return out.join('\n');
}

export function renderCompareText(plans: readonly ComparedPlan[], table: Table): string {
  const notes: string[] = [];
  for (const { plan, unfinished } of plans) {
    for (const p of plan.pending) notes.push(`${plan.cluster}: ✘ ${p.pod} does not fit: ${p.reason} — fix: ${p.fix}`);
    if (unfinished) notes.push(`${plan.cluster}: bring-up did not finish:`, ...unfinishedLines(unfinished).map((line) => `  ✘ ${line}`));
  }
  const comparison = table(
    [
      'cluster',
      'nodes',
      'CPU (effective)',
      'memory (effective)',
      'fits',
      'N-1',
      'weakest',
      'draw',
      'kWh/month',
      '$/month',
      'hardware $',
      'bring-up',
    ],
    plans.map(({ plan, bringUp }) => [
      plan.cluster,
      plan.nodes.length,
      formatMillicores(plan.nodes.reduce((s, n) => s + n.effectiveAllocatableCpu, 0)),
      formatBytes(plan.nodes.reduce((s, n) => s + n.effectiveAllocatableMemory, 0)),
      plan.fits ? 'yes' : `no (${plan.pending.length} pending)`,
      plan.tolerance.survives ? 'survives' : 'fails',
      plan.tolerance.weakest ?? '—',
      `${plan.power.expectedWatts} W`,
      plan.power.kwhPerMonth,
      plan.power.costPerMonth,
      plan.power.purchaseUsd,
      bringUp === null ? 'incomplete' : `${Math.round(bringUp)} s`,
    ]),
  );
  return [comparison, ...notes].join('\n');
}

export function renderSearchText(result: SearchResult, table: Table, top = 10): string {
  const rows = (list: SearchResult['byCost']) =>
    list.slice(0, top).map((c) => [c.mix, c.nodes, `$${c.purchaseUsd}`, `${c.expectedWatts} W`, `$${c.costPerMonth}`]);
  const out = [`Evaluated ${result.evaluated} mixes; ${result.byCost.length} satisfy every constraint.`];
  if (result.byCost.length) {
    out.push('Cheapest:', table(['mix', 'nodes', 'hardware', 'draw', 'power/month'], rows(result.byCost)));
    out.push('Lowest power:', table(['mix', 'nodes', 'hardware', 'draw', 'power/month'], rows(result.byPower)));
  }
  if (result.rejections.length) {
    const rejected = result.rejections.reduce((sum, r) => sum + r.count, 0);
    out.push(`Rejected ${rejected} mix(es), by reason:`);
    for (const r of result.rejections.slice(0, 12))
      out.push(`  ${r.count} × ${r.reason}`, `      cheapest: ${r.example}`, `      fix: ${r.fix}`);
    if (result.rejections.length > 12) out.push(`  …and ${result.rejections.length - 12} more reasons (--json lists them all)`);
  }
  return out.join('\n');
}
