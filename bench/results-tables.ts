import { readFile } from 'node:fs/promises';
import type { QualityResult } from './quality-common';

/**
 * Prints the quality tables of docs/RESULTS.md from docs/results/*.json, with the published
 * numbers beside ours: `pnpm bench results-tables`.
 */
const PUBLISHED_SINUSOID: Record<string, string> = {
  'maml-5': '1.13 ± 0.18 (Li et al. 2017, Table 1); 0.93 ± 0.02 (independent reproduction)',
  'metasgd-5': '0.90 ± 0.16 (Li et al. 2017, Table 1)',
};

const PUBLISHED_OMNIGLOT: Record<string, string> = {
  'maml-5-way 1-shot': '98.7 ± 0.4 % (Finn et al. 2017)',
  'maml-5-way 5-shot': '99.9 ± 0.1 % (Finn et al. 2017)',
  'fomaml-5-way 1-shot': '98.3 ± 0.5 % (Finn et al. 2017)',
  'fomaml-5-way 5-shot': '99.2 ± 0.2 % (Finn et al. 2017)',
  'protonet-5-way 1-shot': '98.8 % (Snell et al. 2017)',
  'protonet-5-way 5-shot': '99.7 % (Snell et al. 2017)',
  'protonet-20-way 1-shot': '96.0 % (Snell et al. 2017)',
  'reptile-5-way 1-shot': '95.4 % (97.7 % transductive) (Nichol et al. 2018)',
  'reptile-5-way 5-shot': '98.9 % (Nichol et al. 2018)',
};

async function load(name: string): Promise<QualityResult[]> {
  const text = await readFile(new URL(`../docs/results/${name}.json`, import.meta.url), 'utf8').catch(() => '{}');
  return Object.values(JSON.parse(text) as Record<string, QualityResult>);
}

const pct = (m: { mean: number; ci95: number } | undefined) => (m ? `${(100 * m.mean).toFixed(1)} ± ${(100 * m.ci95).toFixed(1)} %` : '—');

const sinusoid = (await load('sinusoid')).sort((a, b) => a.key.localeCompare(b.key));
process.stdout.write('| algorithm | setting | meta-iterations | MSE after adaptation | before adaptation | published | command |\n|---|---|---:|---:|---:|---|---|\n');
for (const r of sinusoid) {
  const { after, before } = r.report;
  process.stdout.write(
    `| ${r.algorithm} | ${r.setting} | ${r.iterations} | **${after.loss.mean.toFixed(3)} ± ${after.loss.ci95.toFixed(3)}** | ${before.loss.mean.toFixed(3)} | ${PUBLISHED_SINUSOID[r.key] ?? '—'} | \`${r.command}\` |\n`,
  );
}

const omniglot = (await load('omniglot')).sort((a, b) => a.key.localeCompare(b.key));
process.stdout.write('\n| algorithm | setting | meta-iterations × tasks | accuracy (ours) | published (full background set) | command |\n|---|---|---:|---:|---|---|\n');
for (const r of omniglot) {
  process.stdout.write(`| ${r.algorithm} | ${r.setting} | ${r.iterations === 0 ? "—" : `${r.iterations} × 4`} | **${pct(r.report.after.accuracy)}** | ${PUBLISHED_OMNIGLOT[r.key] ?? '—'} | \`${r.command}\` |\n`);
}
