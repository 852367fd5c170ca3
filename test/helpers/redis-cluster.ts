import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort, redisServerBinary } from './redis-server.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);

/** A real Redis Cluster of a test suite's own: `redis-server --cluster-enabled yes` on free loopback ports. */
export interface TestRedisCluster {
  /** Every node, masters first as created (replicas follow when asked for). */
  nodes: Array<{ host: string; port: number }>;
  /** Seed nodes as `REDIS_CLUSTER_NODES` takes them: `127.0.0.1:7000,127.0.0.1:7001,…`. */
  seeds: string;
  /** A cluster client; the caller closes it. */
  client(): Cluster;
  /** Ports of the current masters (asked of the cluster, so it follows a failover). */
  masterPorts(): Promise<number[]>;
  /** Keys held by the node on `port`. */
  keysOn(port: number): Promise<number>;
  /** SIGKILLs the node on `port`. */
  kill(port: number): Promise<void>;
  /** Waits until every live node reports `cluster_state:ok` and a master for all 16,384 slots. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their data. */
  close(): Promise<void>;
}

async function clusterInfo(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
  return stdout;
}

/**
 * Spawns `masters × (1 + replicasPerMaster)` nodes and joins them with
 * `redis-cli --cluster create … --cluster-replicas N --cluster-yes`. A short node timeout lets a failover
 * happen within seconds when a test kills a master.
 */
export async function startTestRedisCluster(
  options: {
    masters?: number;
    replicasPerMaster?: number;
    /** AOF with `appendfsync always` (the default), so a killed master loses nothing; off for benchmarks. */
    persistence?: boolean;
  } = {},
): Promise<TestRedisCluster> {
  const binary = redisServerBinary();
  if (!binary) throw new Error('redis-server not found: apt-get install -y redis-server');
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  const ports: number[] = [];
  for (let index = 0; index < masters * (1 + replicas); index++) ports.push(await freePort());
  const children = new Map<number, ChildProcess>();

  for (const port of ports) {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes'];
    args.push('--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1500');
    if (options.persistence ?? true) {
      args.push(
        '--appendonly',
        'yes',
        '--appendfilename',
        `aof-${port}.aof`,
        '--appenddirname',
        `aof-${port}`,
      );
      args.push('--appendfsync', 'always');
    } else {
      args.push('--appendonly', 'no');
    }
    args.push('--save', '', '--daemonize', 'no');
    children.set(
      port,
      spawn(binary, [...args, '--logfile', join(dir, `redis-${port}.log`)], { stdio: 'ignore' }),
    );
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  for (const port of ports) {
    await waitFor(
      `cluster node ${port} to answer`,
      async () => (await clusterInfo(port).catch(() => '')) !== '',
    );
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]);

  const running = (port: number) => {
    const child = children.get(port);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const live = () => ports.filter(running);
  const waitHealthy = async (timeoutMs = 20_000) => {
    let states = '';
    await waitFor(
      () => `the cluster to be healthy; seen: ${states}`,
      async () => {
        const infos = await Promise.all(live().map((port) => clusterInfo(port).catch(() => '')));
        states = infos
          .map(
            (info, index) =>
              `${live()[index]} ${/cluster_state:\w+/.exec(info)?.[0]} ${/cluster_slots_ok:\d+/.exec(info)?.[0]}`,
          )
          .join('; ');
        return infos.every(
          (info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384'),
        );
      },
      { timeoutMs, intervalMs: 100 },
    );
  };
  await waitHealthy();
  // A replica can take over only once it has synced; killing a master before that leaves its slots down.
  if (replicas > 0) {
    await waitFor(
      'every replica to sync with its master',
      async () => {
        let synced = 0;
        for (const port of ports) {
          const { stdout } = await run('redis-cli', ['-p', String(port), 'info', 'replication']);
          if (stdout.includes('master_link_status:up')) synced += 1;
        }
        return synced === masters * replicas;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  return {
    nodes,
    seeds: nodes.map(({ host, port }) => `${host}:${port}`).join(','),
    client: () => new Cluster(nodes),
    async masterPorts() {
      const { stdout } = await run('redis-cli', ['-p', String(live()[0]), 'cluster', 'nodes']);
      return stdout
        .split('\n')
        .map((line) => line.split(' '))
        .filter((fields) => {
          const flags = (fields[2] ?? '').split(',');
          return flags.includes('master') && !flags.some((flag) => flag.startsWith('fail'));
        })
        .map((fields) => Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]));
    },
    async keysOn(port) {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'dbsize']);
      return Number(stdout.trim());
    },
    async kill(port) {
      const child = children.get(port);
      if (!child || !running(port)) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    waitHealthy,
    async close() {
      for (const [port, child] of children) {
        if (running(port)) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
