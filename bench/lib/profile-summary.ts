import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self time of one function or area. */
export interface SelfTime {
  /** `name (file:line)` or area name. */
  name: string;
  /** Self time, ms. */
  ms: number;
  /** Share of all sampled time. */
  share: number;
}

/** Top functions by self time, and self time grouped by where the code lives. */
export interface ProfileSummary {
  /** Sampled time, ms. */
  totalMs: number;
  /** Functions, most self time first. */
  functions: SelfTime[];
  /** Areas: `src/…` files, `node_modules/<package>`, `node:<module>`, `(garbage collector)`, … */
  areas: SelfTime[];
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const repo = url.search(/\/(src|adapters|bench|test)\//);
  if (repo >= 0) return url.slice(repo + 1);
  return url.replace(/^file:\/\//, '');
}

function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return shortUrl(url);
}

/** Reads a `.cpuprofile` (from `--cpu-prof` or the inspector) and adds up self time. */
export function summarizeProfile(path: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByNode = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
    totalUs += delta;
  });
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.url
      ? `${frame.functionName || '(anonymous)'} (${shortUrl(frame.url)}:${frame.lineNumber + 1})`
      : frame.functionName || '(anonymous)';
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const rank = (entries: Map<string, number>, limit: number): SelfTime[] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }));
  return { totalMs: totalUs / 1000, functions: rank(functions, top), areas: rank(areas, top) };
}

/** The summary as plain text lines. */
export function formatProfileSummary(summary: ProfileSummary): string {
  const line = (entry: SelfTime) =>
    `${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.ms.toFixed(0).padStart(7)} ms  ${entry.name}`;
  return [
    `sampled ${summary.totalMs.toFixed(0)} ms`,
    'self time by area:',
    ...summary.areas.map(line),
    'top functions by self time:',
    ...summary.functions.map(line),
  ].join('\n');
}
