/**
 * Everything one view of the operator's page shows, read in parallel from the ledger, the session index, the
 * queue and the process's metrics. Each table is paged; the page numbers come from the URL.
 */
import type { Registry } from 'prom-client';
import { usageDay } from '../usage/usage-ledger.ts';
import type { ConversationPage, ConversationPageReader } from './conversation-page.ts';
import { type MetricsSummary, summarizeMetrics } from './metrics-summary.ts';
import type { UsageOverview, UsageOverviewReader } from './usage-overview.ts';

/** Days the usage charts cover, today included. */
export const OVERVIEW_DAYS = 30;
/** Rows per table page. */
export const PAGE_SIZE = 20;
/** How long the page waits for the queue's pending count (Redis may be down) before showing it as unknown. */
const PENDING_READ_LIMIT_MS = 1_000;

/** Where the page reads from. */
export interface AdminSources {
  /** The usage ledger's overview (memory or Redis). */
  usage: UsageOverviewReader;
  /** Pages of conversations (memory or Redis). */
  conversations: ConversationPageReader;
  /** Turns accepted and not yet processed (`TurnQueue.pendingCount`). */
  pendingCount(): Promise<number>;
  /** The registry behind `/metrics`, when the process has one. */
  registry?: Registry;
  /** What the page says about where data lives and what this process runs. */
  about: { storage: 'redis' | 'memory'; role: string; startedAt: number };
  /** Current time, ms since epoch. */
  now?: () => number;
}

/** Page numbers (1-based) of the paged tables. */
export interface AdminPages {
  /** Page of the channel ranking. */
  channels: number;
  /** Page of the user ranking. */
  users: number;
  /** Page of the conversation list. */
  conversations: number;
}

/** What one view shows. */
export interface AdminSnapshot {
  /** When it was read, ms since epoch. */
  at: number;
  /** The days covered, oldest first. */
  days: string[];
  /** Usage of those days. */
  usage: UsageOverview;
  /** One page of conversations. */
  conversations: ConversationPage;
  /** Latency, outcomes and errors of this process. */
  metrics: MetricsSummary;
  /** Pending turns; undefined when the queue did not answer in time. */
  pending: number | undefined;
  /** The pages shown. */
  pages: AdminPages;
  /** Where data lives and what this process runs. */
  about: AdminSources['about'];
}

/** The last `count` UTC day names up to the day of `at`, oldest first. */
export function lastDays(at: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => usageDay(at - (count - 1 - index) * 86_400_000));
}

/** Reads page numbers from a query string; anything but a positive whole number is page 1. */
export function parsePages(search: URLSearchParams): AdminPages {
  const page = (name: string) => {
    const value = Number(search.get(name));
    return Number.isSafeInteger(value) && value >= 1 ? value : 1;
  };
  return { channels: page('channels'), users: page('users'), conversations: page('conversations') };
}

async function pendingWithin(read: () => Promise<number>): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PENDING_READ_LIMIT_MS);
  });
  try {
    return await Promise.race([read().catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads one view of the page. */
export async function readAdminSnapshot(sources: AdminSources, pages: AdminPages): Promise<AdminSnapshot> {
  const at = (sources.now ?? Date.now)();
  const days = lastDays(at, OVERVIEW_DAYS);
  const slice = (page: number) => ({ offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
  const [usage, conversations, metrics, pending] = await Promise.all([
    sources.usage({ days, channels: slice(pages.channels), users: slice(pages.users) }),
    sources.conversations(slice(pages.conversations)),
    sources.registry
      ? summarizeMetrics(sources.registry)
      : Promise.resolve({ modelLatency: [], queueWait: [], turns: [], errors: [], feedback: [] }),
    pendingWithin(sources.pendingCount),
  ]);
  return { at, days, usage, conversations, metrics, pending, pages, about: sources.about };
}
