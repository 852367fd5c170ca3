import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { startTestParley } from '../helpers/test-parley.ts';

const root = process.cwd();
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}
interface Service {
  profiles?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
}

const dashboard = JSON.parse(read('deploy/grafana/dashboards/parley-dashboard.json')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ query: { query: string } }> };
};
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes: object };
const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
const metricNames = (expr: string) => expr.match(/\bparley_[a-z0-9_]+\b/g) ?? [];

let model: FakeOpenAI;
let parley: RunningParley;
let families: Map<string, string>;

beforeAll(async () => {
  model = await startFakeOpenAI();
  parley = await startTestParley({ OPENAI_BASE_URL: model.url, LOG_LEVEL: 'silent' });
  const text = await (await fetch(`http://127.0.0.1:${parley.httpPort}/metrics`)).text();
  families = new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!] as [string, string]),
  );
});
afterAll(async () => {
  await parley?.stop({ timeoutMs: 2_000 });
  await model?.close();
});

/** Whether `/metrics` serves the series `name`: a family, or a histogram's `_bucket`, `_sum` or `_count`. */
function served(name: string): boolean {
  if (families.has(name)) return true;
  const histogram = /^(.+)_(bucket|sum|count)$/.exec(name);
  return histogram !== null && ['histogram', 'summary'].includes(families.get(histogram[1]!) ?? '');
}

describe('the Grafana dashboard', () => {
  it('queries, in every panel, only metrics that /metrics serves', () => {
    const panels = allPanels(dashboard.panels).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(12);
    const unserved: string[] = [];
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const names = metricNames(target.expr);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        unserved.push(...names.filter((name) => !served(name)).map((name) => `${panel.title}: ${name}`));
      }
    }
    for (const variable of dashboard.templating.list) {
      unserved.push(...metricNames(variable.query.query).filter((name) => !served(name)));
    }
    expect(unserved).toEqual([]);
  });

  it('covers turns by outcome, queue depth and wait, model latency, tokens, cost and errors', () => {
    const queried = new Set(
      allPanels(dashboard.panels).flatMap((panel) =>
        (panel.targets ?? []).flatMap((target) => metricNames(target.expr)),
      ),
    );
    for (const name of [
      'parley_turns_total',
      'parley_queue_depth',
      'parley_queue_wait_seconds_bucket',
      'parley_model_latency_seconds_bucket',
      'parley_tokens_total',
      'parley_cost_usd_total',
      'parley_errors_total',
    ]) {
      expect(queried, name).toContain(name);
    }
  });

  it('uses the data source the provisioning defines', () => {
    const provisioned = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    const uid = provisioned.datasources[0]?.uid;
    expect(provisioned.datasources[0]?.url).toBe('http://prometheus:9090');
    for (const panel of allPanels(dashboard.panels).filter((one) => one.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe(uid);
    }
  });
});

describe('the observability compose profile', () => {
  it('starts Prometheus and Grafana only with the profile, leaving the default services as they were', () => {
    const { services } = compose;
    expect(services.prometheus?.profiles).toEqual(['observability']);
    expect(services.grafana?.profiles).toEqual(['observability']);
    for (const name of ['redis', 'ingress', 'worker']) expect(services[name]?.profiles, name).toBeUndefined();
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['prometheus-data', 'grafana-data']));
  });

  it('mounts files that exist, where the provisioning and Prometheus expect them', () => {
    const mounts = (service: string) =>
      (compose.services[service]?.volumes ?? [])
        .filter((volume) => volume.startsWith('./'))
        .map((volume) => {
          const [source, target] = volume.split(':');
          return { source: source!, target: target! };
        });
    for (const service of ['prometheus', 'grafana']) {
      for (const { source } of mounts(service)) expect(existsSync(join(root, source)), source).toBe(true);
    }
    expect(mounts('prometheus')).toContainEqual({
      source: './deploy/prometheus/prometheus.yml',
      target: '/etc/prometheus/prometheus.yml',
    });
    const provider = parse(read('deploy/grafana/provisioning/dashboards/parley.yml')) as {
      providers: Array<{ options: { path: string } }>;
    };
    const dashboards = mounts('grafana').find(
      (mount) => mount.target === provider.providers[0]?.options.path,
    );
    expect(dashboards?.source).toBe('./deploy/grafana/dashboards');
    expect(mounts('grafana').map((mount) => mount.target)).toEqual(
      expect.arrayContaining([
        '/etc/grafana/provisioning/datasources',
        '/etc/grafana/provisioning/dashboards',
      ]),
    );
  });

  it('has Prometheus scrape /metrics of the ingress and of every worker on the port they serve', () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{
        job_name: string;
        metrics_path: string;
        static_configs?: Array<{ targets: string[] }>;
        dns_sd_configs?: Array<{ names: string[]; port: number }>;
      }>;
    };
    const jobs = new Map(config.scrape_configs.map((job) => [job.job_name, job]));
    const ingress = jobs.get('parley-ingress');
    const worker = jobs.get('parley-worker');
    expect(ingress?.metrics_path).toBe('/metrics');
    expect(worker?.metrics_path).toBe('/metrics');
    expect(ingress?.static_configs?.[0]?.targets).toEqual([
      `ingress:${compose.services.ingress?.environment?.PORT}`,
    ]);
    expect(worker?.dns_sd_configs?.[0]).toMatchObject({
      names: ['worker'],
      port: Number(compose.services.worker?.environment?.PORT),
    });
  });
});
