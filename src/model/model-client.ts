/**
 * The model seam: `ModelClient` runs one chat completion and promises a whole, non-empty reply (streamed to
 * `onDelta` as it is written) with usage and cost, or a `ModelError` whose `isRetryable` tells the queue whether
 * to try again and whose `kind` names the cause (`describeModelError` words it for the user); never half a reply. Beside it: `openai-model-client.ts` (Chat Completions) and
 * `openai-responses-model-client.ts` (Responses API, chaining turns server-side), which share the stream's
 * life in `stream-completion.ts` and read their protocols in `chat-completion-reader.ts` and
 * `responses-stream-reader.ts`; `openai-errors.ts` maps failures (classified by
 * `classify-model-error.ts`, error bodies straightened by `model-fetch.ts`); `token-counter.ts` counts prompts the way
 * the API bills them.
 */

/** A message as sent to an OpenAI-compatible chat completions endpoint. */
export interface ChatMessage {
  /** Speaker role; `tool` carries one tool's result back to the model. */
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** Text content (may be empty on an assistant message that only calls tools). */
  content: string;
  /** Assistant messages: the tools the model called (see `model-tools.ts`). */
  toolCalls?: ToolCall[];
  /** Tool messages: the id of the call this is the result of. */
  toolCallId?: string;
  /**
   * Images that go with a user message (screenshots people dropped into the conversation). Clients send them as
   * content parts after the text: Chat Completions `image_url` with a data URL, Responses `input_image`.
   */
  images?: PromptImage[];
}

import type { ToolCall, ToolDefinition } from './model-tools.ts';

export type { ToolCall, ToolDefinition };

/** An image as sent to the model, with its bytes. */
export interface PromptImage {
  /** `image/png`, `image/jpeg`, `image/gif` or `image/webp`. */
  mimeType: string;
  /** The image's bytes, base64-encoded. */
  dataBase64: string;
  /** OpenAI's `detail` (`IMAGE_DETAIL`). */
  detail: 'low' | 'high' | 'auto';
}

/** One completion request. */
export interface CompletionRequest {
  /** The assembled prompt. */
  messages: ChatMessage[];
  /** Upper bound on reply tokens (defaults to the client's configured MAX_REPLY_TOKENS). */
  maxTokens?: number;
  /**
   * Called with each piece of the reply as it streams in (`delta`) and the whole reply so far (`text`).
   *
   * A stream can fail after it has shown text (a connection drop, an in-stream error, a content filter): the
   * call then throws and nothing of it is returned. The client never restarts a stream within a call (the SDK
   * retries only before the first byte arrives), and every call's `text` starts from nothing, so a caller that
   * retries should show `text` rather than append `delta`: the retry's first piece then replaces the failed
   * attempt's partial reply instead of being added to it. Reasoning ("thinking") text is never passed here.
   * `text` is optional only for implementations that predate it (test doubles, the benchmark stub); the openai
   * clients always pass it.
   */
  onDelta?: (delta: string, text: string) => void;
  /** Aborts the request. */
  signal?: AbortSignal;
  /**
   * Responses API mode only: continue the server-side conversation of this response; `messages` then holds only
   * the system prompt and the new turn. Throws `PreviousResponseLostError` when the server no longer has it,
   * or its subclass `ResponseChainTooLongError` when the stored chain outgrew the model's context: either way
   * the caller resends the conversation from its own transcript.
   */
  previousResponseId?: string;
  /** Tools the model may call in this request; none when unset. */
  tools?: ToolDefinition[];
  /** Responses API only: OpenAI's built-in `web_search` tool is offered as well. */
  webSearch?: boolean;
  /**
   * The prompt's cost as counted locally when it was assembled (the budget's own count): the model's reported
   * `prompt_tokens` are compared with it to calibrate the budget for tokenizers that count differently.
   */
  localPromptTokens?: number;
}

/** Token counts reported by the endpoint. */
export interface CompletionUsage {
  /** Prompt (input) tokens. */
  promptTokens: number;
  /** Completion (output) tokens. */
  completionTokens: number;
  /** Of the prompt tokens, those the provider served from its prompt cache (billed cheaper), when reported. */
  cachedPromptTokens?: number;
}

/** A finished completion. */
export interface CompletionResult {
  /** The whole reply text. */
  text: string;
  /** Token usage (from the endpoint; estimated locally if it reported none). */
  usage: CompletionUsage;
  /** True when the endpoint reported no usage and `usage` is the local estimate. */
  usageEstimated?: boolean;
  /** Cost in USD from the price table, `null` for models without a known price. */
  costUsd: number | null;
  /** Model that answered. */
  model: string;
  /** Why generation stopped (`stop`, `length`, …), when reported. */
  finishReason: string | null;
  /** Responses API mode only: the id to chain the next turn to. */
  responseId?: string;
  /** The tools the model asked to call, assembled from the stream; `text` may then be empty. */
  toolCalls?: ToolCall[];
  /** Web pages the answer cites (the built-in web search), to show as links. */
  sources?: Array<{ url: string; title?: string }>;
}

/** The model behind the bot. Errors thrown are `ModelError` with `isRetryable`. */
export interface ModelClient {
  /** Configured model name. */
  readonly model: string;
  /** Whether the client chains turns server-side (`previousResponseId`) rather than resending history. */
  readonly chainsResponses: boolean;
  /** Runs one chat completion, streaming deltas to `onDelta`. */
  complete(request: CompletionRequest): Promise<CompletionResult>;
}
