import type { AssistantConfig } from '@slack/bolt';

/** The store Bolt's `Assistant` reads and writes thread context through. */
type ContextStore = NonNullable<AssistantConfig['threadContextStore']>;

/** The channel (and team) the user is looking at beside the assistant pane, as Slack reports it. */
export interface AssistantThreadContext {
  /** The viewed channel. */
  channel_id?: string;
  /** Its workspace. */
  team_id?: string;
  /** Its organisation (Enterprise Grid). */
  enterprise_id?: string | null;
}

/**
 * What the ingress remembers of each assistant thread, by `<channel>:<thread_ts>`: the context Slack last
 * reported (the channel the user is looking at), whether the thread got its title, and which viewed channel the
 * model was last told about. In memory (one process) or on Redis (every ingress process, and across restarts).
 */
export interface AssistantThreads {
  /** The store Bolt's `Assistant` reads and writes thread context through. */
  contextStore: ContextStore;
  /** Whether the caller is the first to title the thread (it then sets the title; everyone later is told no). */
  claimTitle(channelId: string, threadTs: string): Promise<boolean>;
  /**
   * Records `viewed` as the channel the model knows the user is looking at; true when it differs from the one
   * the model was last told about (the caller then tells it), false when the model already knows.
   */
  noteViewedChannel(channelId: string, threadTs: string, viewed: string): Promise<boolean>;
}

/** What the in-memory record keeps of one thread. */
interface ThreadState {
  context: AssistantThreadContext;
  titled: boolean;
  toldChannel?: string;
}

/**
 * A bounded in-memory record of assistant threads (the embedded mode). Bolt's default context store keeps one
 * context for the whole app (the last thread's) and rewrites the bot's first message to carry it; this one keeps
 * each thread its own, dropping the least recently used beyond `capacity`.
 */
export function createAssistantThreads(capacity = 20_000): AssistantThreads {
  const threads = new Map<string, ThreadState>();
  const state = (channelId: string, threadTs: string): ThreadState => {
    const key = `${channelId}:${threadTs}`;
    const found = threads.get(key) ?? { context: {}, titled: false };
    threads.delete(key);
    threads.set(key, found);
    if (threads.size > capacity) threads.delete(threads.keys().next().value!);
    return found;
  };
  return {
    async claimTitle(channelId, threadTs) {
      const thread = state(channelId, threadTs);
      if (thread.titled) return false;
      thread.titled = true;
      return true;
    },
    async noteViewedChannel(channelId, threadTs, viewed) {
      const thread = state(channelId, threadTs);
      if (thread.toldChannel === viewed) return false;
      thread.toldChannel = viewed;
      return true;
    },
    contextStore: {
      async get({ payload }) {
        const { channelId, threadTs, context } = threadOf(payload);
        const thread = state(channelId, threadTs);
        return context.channel_id ? context : thread.context;
      },
      async save({ payload }) {
        const { channelId, threadTs, context } = threadOf(payload);
        state(channelId, threadTs).context = context;
      },
    },
  };
}

/**
 * The thread an assistant event is about: `assistant_thread` of `assistant_thread_started` and
 * `assistant_thread_context_changed`, or a message's `channel` and `thread_ts`.
 */
export function threadOf(payload: unknown): {
  channelId: string;
  threadTs: string;
  context: AssistantThreadContext;
} {
  const event = (payload ?? {}) as {
    channel?: unknown;
    thread_ts?: unknown;
    assistant_thread?: { channel_id?: unknown; thread_ts?: unknown; context?: unknown };
  };
  const thread = event.assistant_thread ?? {};
  const channelId = typeof thread.channel_id === 'string' ? thread.channel_id : event.channel;
  const threadTs = typeof thread.thread_ts === 'string' ? thread.thread_ts : event.thread_ts;
  if (typeof channelId !== 'string' || typeof threadTs !== 'string') {
    throw new Error('assistant event without a channel and thread_ts');
  }
  const context =
    typeof thread.context === 'object' && thread.context !== null
      ? (thread.context as AssistantThreadContext)
      : {};
  return { channelId, threadTs, context };
}
