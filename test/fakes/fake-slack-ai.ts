import type { ServerResponse } from 'node:http';

/** A message of the fake as the AI-app methods see it (the fields they read and write). */
export interface StreamableMessage {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  edits: number;
  /** Whether `chat.startStream` opened it and `chat.stopStream` has not closed it yet. */
  streaming?: boolean;
  /** Times `chat.appendStream` added to it. */
  appends?: number;
  /** Blocks it carries (`chat.postMessage`, `chat.update`, `chat.stopStream`). */
  blocks?: unknown[];
}

/** What `assistant.threads.setSuggestedPrompts` / `setTitle` / `setStatus` were told, in order. */
export interface AssistantThreadCall {
  channel_id: string;
  thread_ts: string;
  /** `setSuggestedPrompts`: the prompts. */
  prompts?: Array<{ title: string; message: string }>;
  /** `setTitle`: the title. */
  title?: string;
  /** `setStatus`: the status text (empty clears it). */
  status?: string;
}

/** A Tier-3-like budget over some methods for the whole workspace: at most `max` calls per `windowMs`. */
export interface FakeWorkspaceLimit {
  /** Methods sharing the budget, e.g. `chat.update` and `chat.appendStream`. */
  methods: string[];
  /** Calls allowed per window. */
  max: number;
  /** Sliding window length, ms. */
  windowMs: number;
  /** Seconds the 429's `Retry-After` tells (default 1). */
  retryAfter?: number;
}

/** The fake's assistant, streaming and rate-limit state (see `startFakeSlackApi`'s `ai`). */
export interface FakeSlackAi {
  /** Suggested prompts set, in order. */
  suggestedPrompts: AssistantThreadCall[];
  /** Titles set, in order. */
  titles: AssistantThreadCall[];
  /** Messages `conversations.history` returns, by channel id, newest first (seed freely). */
  history: Map<string, Array<{ ts: string; text: string; user?: string; bot_id?: string; subtype?: string }>>;
  /** Makes every `chat.startStream` fail with this Slack error code (`undefined` to accept again). */
  refuseStreams(error: string | undefined): void;
  /** Enforces a workspace budget (`undefined` lifts it): calls beyond it get 429 with `Retry-After`. */
  limitWorkspace(limit: FakeWorkspaceLimit | undefined): void;
  /** Calls answered 429 by the workspace budget. */
  rateLimited: number;
  /** Longest text a streamed message may reach; beyond it `msg_too_long` (default 12,000). */
  streamLimit: number;
}

/** What the AI-app handlers share with the rest of the fake. */
export interface FakeSlackAiHost {
  /** Messages the bot posted, by ts. */
  messages: Map<string, StreamableMessage>;
  /** A fresh message ts. */
  nextTs: () => string;
  /** The bot's user and bot ids. */
  identity: { userId: string; botId: string };
}

type Handler = (body: Record<string, unknown>) => Record<string, unknown>;

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** JSON fields arrive parsed from a JSON body, or as strings from a form body. */
const parsed = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
};

/**
 * The Agents & AI Apps methods on the fake Slack: assistant threads (suggested prompts, titles), native
 * streaming (`chat.startStream` → `appendStream` → `stopStream`, which Slack accepts only in a thread, and
 * outside a DM only with `recipient_user_id` and `recipient_team_id`), the
 * channel history the pane's viewed channel is read from, and a workspace-wide Tier-3 budget.
 */
export function createFakeSlackAi(host: FakeSlackAiHost): {
  state: FakeSlackAi;
  handlers: Record<string, Handler>;
  rateLimit(method: string, response: ServerResponse, send: SendFn): boolean;
} {
  let refusal: string | undefined;
  let limit: FakeWorkspaceLimit | undefined;
  let recent: number[] = [];
  const state: FakeSlackAi = {
    suggestedPrompts: [],
    titles: [],
    history: new Map(),
    refuseStreams: (error) => {
      refusal = error;
    },
    limitWorkspace: (next) => {
      limit = next;
      recent = [];
    },
    rateLimited: 0,
    streamLimit: 12_000,
  };
  const threadCall = (body: Record<string, unknown>): AssistantThreadCall | undefined => {
    const channel = str(body.channel_id);
    const thread = str(body.thread_ts);
    return channel && thread ? { channel_id: channel, thread_ts: thread } : undefined;
  };
  const streamed = (body: Record<string, unknown>) => {
    const message = host.messages.get(str(body.ts) ?? '');
    return message && message.channel === str(body.channel) ? message : undefined;
  };
  const add = (message: StreamableMessage, text: unknown): string | undefined => {
    const next = message.text + (typeof text === 'string' ? text : '');
    if (next.length > state.streamLimit) return 'msg_too_long';
    message.text = next;
    return undefined;
  };

  const handlers: Record<string, Handler> = {
    'assistant.threads.setSuggestedPrompts': (body) => {
      const call = threadCall(body);
      const prompts = parsed(body.prompts);
      if (!call || !Array.isArray(prompts) || prompts.length === 0)
        return { ok: false, error: 'invalid_arguments' };
      state.suggestedPrompts.push({ ...call, prompts: prompts as AssistantThreadCall['prompts'] });
      return {};
    },
    'assistant.threads.setTitle': (body) => {
      const call = threadCall(body);
      const title = str(body.title);
      if (!call || !title) return { ok: false, error: 'invalid_arguments' };
      state.titles.push({ ...call, title });
      return {};
    },
    'conversations.history': (body) => {
      const messages = state.history.get(str(body.channel) ?? '');
      if (!messages) return { ok: false, error: 'channel_not_found' };
      const count = Number(body.limit ?? 100);
      return { messages: messages.slice(0, count).map((m) => ({ type: 'message', ...m })), has_more: false };
    },
    'chat.startStream': (body) => {
      const channel = str(body.channel);
      const thread = str(body.thread_ts);
      if (refusal !== undefined) return { ok: false, error: refusal };
      if (!channel || !thread) return { ok: false, error: 'invalid_arguments' };
      // Outside a DM Slack streams to one person, and says which of the two fields is missing.
      if (!channel.startsWith('D')) {
        if (!str(body.recipient_user_id)) return { ok: false, error: 'missing_recipient_user_id' };
        if (!str(body.recipient_team_id)) return { ok: false, error: 'missing_recipient_team_id' };
      }
      const ts = host.nextTs();
      const message: StreamableMessage = {
        channel,
        ts,
        text: '',
        thread_ts: thread,
        user: host.identity.userId,
        bot_id: host.identity.botId,
        edits: 0,
        streaming: true,
        appends: 0,
      };
      const error = add(message, body.markdown_text);
      if (error) return { ok: false, error };
      host.messages.set(ts, message);
      return { channel, ts };
    },
    'chat.appendStream': (body) => {
      const message = streamed(body);
      if (!message) return { ok: false, error: 'message_not_found' };
      if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
      const error = add(message, body.markdown_text);
      if (error) return { ok: false, error };
      message.appends = (message.appends ?? 0) + 1;
      return { channel: message.channel, ts: message.ts };
    },
    'chat.stopStream': (body) => {
      const message = streamed(body);
      if (!message) return { ok: false, error: 'message_not_found' };
      if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
      const error = add(message, body.markdown_text);
      if (error) return { ok: false, error };
      message.streaming = false;
      const blocks = parsed(body.blocks);
      if (Array.isArray(blocks)) message.blocks = blocks;
      return { channel: message.channel, ts: message.ts, message: { text: message.text, ts: message.ts } };
    },
  };

  const rateLimit = (method: string, response: ServerResponse, send: SendFn): boolean => {
    if (!limit?.methods.includes(method)) return false;
    const { windowMs } = limit;
    const now = Date.now();
    recent = recent.filter((at) => at > now - windowMs);
    if (recent.length < limit.max) {
      recent.push(now);
      return false;
    }
    state.rateLimited += 1;
    send(
      response,
      429,
      { ok: false, error: 'ratelimited' },
      { 'retry-after': String(limit.retryAfter ?? 1) },
    );
    return true;
  };

  return { state, handlers, rateLimit };
}

/** The fake's JSON answer writer. */
export type SendFn = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
) => void;
