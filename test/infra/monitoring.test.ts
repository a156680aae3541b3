import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinatorMetrics } from '@metatrain/coordinator';
import { parseSamples } from '@metatrain/coordinator/testing';
import { WorkerMetrics } from '@metatrain/worker';
import { describe, expect, it } from 'vitest';
import { RenderedOverlay } from './support/overlay';
import { type MetricCatalog, promqlErrors } from './support/promql';
import { INFRA, readYamlMapping, REPO } from './support/yaml-files';

// components/monitoring: its Grafana dashboard and its alerts may only name metrics, and labels,
// that the coordinator and the workers really export (read from their expositions here).

const MONITORING = join(INFRA, 'k8s', 'components', 'monitoring');

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
}
interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const dashboard = JSON.parse(readFileSync(join(MONITORING, 'dashboard.json'), 'utf8')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; query?: unknown }> } };
const rule = readYamlMapping(join(MONITORING, 'prometheus-rule.yaml')) as { spec: { groups: Array<{ rules: Rule[] }> } };
const rules = rule.spec.groups.flatMap((g) => g.rules);

/** Every sample name of the coordinator's and a worker's /metrics, with its label names; every labelled series made to appear once. */
async function catalog(): Promise<MetricCatalog> {
  const coordinator = new CoordinatorMetrics({ processMetrics: false });
  coordinator.roundCompleted({ jobId: 'sine-abc123', round: 0, tasks: 8, seconds: 0.5, metaLoss: 1 });
  const worker = new WorkerMetrics(() => ({ currentShards: [], quarantined: false, threads: 1, parameterFetches: 0, parameterPrefetches: 0, announcementsHeard: 0 }));
  worker.identify({ workerId: 'w1', backend: 'wasm', device: 'cpu', version: '0.0.0' });
  const names = new Map<string, Set<string>>();
  for (const sample of [...parseSamples(await coordinator.text()), ...parseSamples(await worker.text())]) {
    if (!sample.name.startsWith('metatrain_')) continue;
    const labels = names.get(sample.name) ?? new Set<string>();
    for (const label of Object.keys(sample.labels)) labels.add(label);
    names.set(sample.name, labels);
  }
  return names;
}

describe('components/monitoring', () => {
  it('finds a syntax error, a metric, a label or a grouping the code does not export, and a job label', async () => {
    const metrics = await catalog();
    expect(promqlErrors('sum by (job_id) (rate(metatrain_rounds_completed_total{job_id=~"$job_id"}[5m]))', metrics)).toEqual([]);
    expect(promqlErrors('rate(metatrain_rounds_total[5m])', metrics)).toEqual(['metatrain_rounds_total is not a metric the code exports']);
    expect(promqlErrors('metatrain_meta_loss{job="sine-abc123"}', metrics)).toEqual(['metatrain_meta_loss has no label job']);
    expect(promqlErrors('sum by (job) (metatrain_meta_loss)', metrics)).toEqual(['groups by job, which none of metatrain_meta_loss has']);
    expect(promqlErrors('up == 0', metrics)).toEqual(['names no metatrain metric', 'up is not a metric the code exports']);
    expect(promqlErrors('sum by (job_id (metatrain_meta_loss)', metrics)[0]).toMatch(/^syntax error at 15/);
  });

  it("dashboard panels query only what the coordinator and the workers export, per job by job_id", async () => {
    const metrics = await catalog();
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(queries.length).toBeGreaterThanOrEqual(15);
    expect(queries.flatMap(({ panel, expr }) => promqlErrors(expr, metrics).map((e) => `${panel}: ${e}`))).toEqual([]);
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of ['Rounds per second', 'Round time', 'Tasks per second', 'Queue depth by state', 'Workers by state', 'Shard reports by outcome', 'Checkpoints', 'Meta-loss']) expect(titles).toContain(title);
    const jobVariable = dashboard.templating.list.find((v) => v.name === 'job_id');
    expect(JSON.stringify(jobVariable?.query)).toContain('label_values(metatrain_job_round, job_id)');
  });

  it('alerts query only what the coordinator exports, each with a severity and a summary, listed in docs/DEPLOY.md', async () => {
    const metrics = await catalog();
    expect(rules.map((r) => r.alert)).toEqual(['MetatrainJobFailed', 'MetatrainNoReadyWorkers', 'MetatrainQueueGrowing', 'MetatrainCheckpointFailures', 'MetatrainWorkerQuarantined']);
    expect(rules.flatMap((r) => promqlErrors(r.expr, metrics).map((e) => `${r.alert}: ${e}`))).toEqual([]);
    const deploy = readFileSync(join(REPO, 'docs', 'DEPLOY.md'), 'utf8');
    for (const r of rules) {
      expect(['warning', 'critical'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(deploy.includes(`| \`${r.alert}\` |`), `${r.alert} in docs/DEPLOY.md`).toBe(true);
    }
  });

  it('ships the dashboard as a ConfigMap the Grafana sidecar loads, beside the PrometheusRule', () => {
    const overlay = RenderedOverlay.render('cpu', ['monitoring']);
    const configMap = overlay.get('ConfigMap', 'metatrain-grafana-dashboard');
    expect(configMap.metadata).toMatchObject({ namespace: 'metatrain', labels: { grafana_dashboard: '1' } });
    expect(JSON.parse(overlay.key('ConfigMap', 'metatrain-grafana-dashboard', 'metatrain.json') ?? '')).toEqual(dashboard);
    expect(overlay.get('PrometheusRule', 'metatrain').metadata.namespace).toBe('metatrain');
  });
});
