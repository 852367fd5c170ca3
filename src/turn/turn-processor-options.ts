import type { Logger } from '../app/logger.ts';
import type { Metrics } from '../app/metrics.ts';
import type { ImageDetail } from '../attachments/attachment.ts';
import type { VisionSetting } from '../attachments/vision-models.ts';
import type { HistoryStore } from '../history/history-store.ts';
import type { ModelClient } from '../model/model-client.ts';
import type { ModelRoster } from '../model/model-roster.ts';
import type { TokenCounter } from '../model/token-counter.ts';
import type { ConfirmAnswers } from '../tools/confirm-answers.ts';
import type { ToolRegistry } from '../tools/tool-registry.ts';
import type { FeedbackLedger } from '../usage/feedback-ledger.ts';
import type { UsageLedger } from '../usage/usage-ledger.ts';
import type { ReplyChannel } from './reply-channel.ts';
import type { StopSignals } from './stop-signals.ts';
import type { Platform } from './turn.ts';

/** Options of the turn pipeline. */
export interface TurnProcessorOptions {
  /** Where conversations live. */
  store: HistoryStore;
  /** The model (the catalogue's default when `models` is given). */
  model: ModelClient;
  /**
   * The catalogue's models: each turn uses the one its conversation picked (`model <name>`), with that entry's
   * window, reply cap, counter and calibration in place of `model`, `counter` and `prompt`'s budget.
   */
  models?: ModelRoster;
  /** Token counter of the model's encoding. */
  counter: TokenCounter;
  /** Sending side of each platform this worker serves. */
  replyChannels: Partial<Record<Platform, ReplyChannel>>;
  /** Prompt budget and default system prompt. */
  prompt: {
    /** Default system prompt (a channel persona replaces it). */
    systemPrompt: string;
    /** Budget of a whole request: prompt plus reply. */
    maxContextTokens: number;
    /** Tokens reserved for the reply. */
    maxReplyTokens: number;
    /** Send at most this many of the newest history messages. */
    maxHistoryMessages?: number;
  };
  /** Model calls per run for retryable failures (the SDK's own retries come on top). */
  modelAttempts: number;
  /** Delay before retrying a failed model call or post within a run, unless the error asks for longer. */
  retryDelayMs?: (attempt: number) => number;
  /** Longest one run of a turn may take, retries and waits included (`TURN_DEADLINE_MS`); default 120 s. */
  turnDeadlineMs?: number;
  /**
   * Messages of the same conversation that arrived while the previous answer was being written (still waiting
   * behind this turn) are answered together with it, in one reply (`FOLD_BURSTS`). Off: one answer each.
   */
  foldBursts?: boolean;
  /** Waits between retries; tests replace it so that a retry-after of minutes takes no time. */
  sleep?: (ms: number) => Promise<void>;
  /** How attached files are read (`VISION`, `IMAGE_DETAIL`, `MAX_FILE_TOKENS`, `MAX_IMAGE_BYTES`); defaults when unset. */
  files?: FileSettings;
  /**
   * Headers added to each platform's file downloads: Slack's `Authorization: Bearer <bot token>`. Turns never
   * carry credentials, so the worker adds its own here.
   */
  attachmentHeaders?: Partial<Record<Platform, Record<string, string>>>;
  /** Usage per channel and user (for `/usage` and budgets). */
  ledger: UsageLedger;
  /** 👍/👎 on answers (shown by `usage`, included in exports); none recorded when unset. */
  feedback?: FeedbackLedger;
  /** Where Stop clicks are heard: a running answer of the stopped turn ends, keeping its text so far. */
  stops?: StopSignals;
  /** Where answers to tool confirmations given at an ingress arrive; without it only the terminal can answer. */
  confirmAnswers?: ConfirmAnswers;
  /** Rolling summaries: the share of the history budget that triggers one. Off when unset. */
  summary?: { threshold: number };
  /** Daily token budgets. */
  budgets?: { perUserDaily?: number; perChannelDaily?: number };
  /** Who may run admin commands besides the platform's own admins, and which commands those are. */
  admin?: { users: readonly string[]; commands: readonly string[] };
  /** Clock, ms since epoch. */
  now?: () => number;
  /** Logger. */
  logger: Logger;
  /** Prometheus metrics, when served. */
  metrics?: Metrics;
  /** MCP tools the model may call (`MCP_CONFIG`), and web search; none when unset. */
  tools?: ToolRegistry;
}

/** How attached files are read and shown to the model. */
export interface FileSettings {
  /** Whether images go to the model: `auto` asks the table of known vision models. */
  vision: VisionSetting;
  /** The detail images are sent (and counted) at. */
  imageDetail: ImageDetail;
  /** Most tokens of one text file or PDF in the prompt. */
  maxFileTokens: number;
  /** Largest image accepted and kept, in bytes. */
  maxImageBytes: number;
}
