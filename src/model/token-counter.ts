import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { createBpeTokenizer } from './bpe-tokenizer.ts';

/**
 * Token accounting the way the OpenAI chat completions API bills a prompt (the cookbook's
 * `num_tokens_from_messages`, checked there against the API: 129 tokens on gpt-4, 124 on gpt-4o):
 * every message costs a fixed frame of 3 tokens plus the encoded values of its fields — the role
 * (1 token for `system`, `user`, `assistant`), the content, and the name (plus 1 more when present);
 * every reply is primed with 3 tokens.
 */

/** Tokens that frame every message (`<|start|>…<|message|>…<|end|>`), before its role and content. */
export const MESSAGE_FRAME_TOKENS = 3;
/** Extra tokens a message's `name` field costs on top of the name's own tokens. */
export const NAME_EXTRA_TOKENS = 1;
/** Tokens every reply is primed with (`<|start|>assistant<|message|>`). */
export const REPLY_PRIMING_TOKENS = 3;

/** The encodings of current OpenAI chat models. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * The encoding of a stored count that names none (`StoredMessage.encoding`): o200k_base, the encoding of current
 * OpenAI models and of every model Parley does not know (those are counted in it too).
 */
export const UNMARKED_ENCODING: EncodingName = 'o200k_base';

/** A message as far as counting is concerned (a `ChatMessage`, optionally with a `name`). */
export interface CountableMessage {
  /** Speaker role; its text is encoded and counted like the content. */
  role: string;
  /** Text content. */
  content: string;
  /** Optional participant name (costs its tokens plus `NAME_EXTRA_TOKENS`). */
  name?: string;
}

/** The raw BPE tokenizer a counter is built on. */
export interface Tokenizer {
  /** Token ids of `text`; special-token strings such as `<|endoftext|>` are treated as plain text. */
  encode(text: string): number[];
  /** Text of token ids (a cut inside a multi-byte character decodes to U+FFFD). */
  decode(tokens: number[]): string;
}

/** Counts and cuts text in one encoding. */
export interface TokenCounter {
  /** The encoding counted in. */
  readonly encoding: EncodingName;
  /** Tokens of a plain text. */
  count(text: string): number;
  /** Tokens a message of this role costs besides its content: the frame plus the role's own tokens. */
  messageOverhead(role: string): number;
  /** Tokens one message costs in a prompt: overhead + content (+ name). */
  messageTokens(message: CountableMessage): number;
  /** Tokens a whole prompt costs: all messages plus the reply priming. */
  promptTokens(messages: readonly CountableMessage[]): number;
  /**
   * The longest start (or, with `keep: 'end'`, end) of `text` that costs at most `maxTokens`,
   * cut on a token and character boundary; `text` itself when it fits.
   */
  truncate(text: string, maxTokens: number, keep?: 'start' | 'end'): string;
}

/** Which encoding a model name uses; unknown models (llama3, mistral, …) are counted in o200k_base. */
export function encodingForModel(model: string): EncodingName {
  // Strip provider prefixes ("openai/gpt-4", "azure/…") and fine-tune wrappers ("ft:gpt-4-0613:org::id").
  const name = model.trim().toLowerCase().replace(/^ft:/, '').replace(/^.*\//, '');
  if (/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4)/.test(name)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|gpt-35)/.test(name)) return 'cl100k_base';
  return 'o200k_base';
}

const RANKS = { o200k_base: o200kBase, cl100k_base: cl100kBase } as const;

// Building a tokenizer decodes its whole rank table (o200k: 200,000 tokens into about 5 MB): once per process, on
// first use.
const tokenizers = new Map<EncodingName, Tokenizer>();
const counters = new Map<EncodingName, TokenCounter>();

/** The process-wide tokenizer of an encoding, built on first use. */
export function getTokenizer(encoding: EncodingName): Tokenizer {
  let tokenizer = tokenizers.get(encoding);
  if (!tokenizer) {
    tokenizer = createBpeTokenizer(RANKS[encoding]);
    tokenizers.set(encoding, tokenizer);
  }
  return tokenizer;
}

/** The process-wide counter for a model (one per encoding). */
export function getTokenCounter(model: string): TokenCounter {
  const encoding = encodingForModel(model);
  let counter = counters.get(encoding);
  if (!counter) {
    counter = createTokenCounter(encoding);
    counters.set(encoding, counter);
  }
  return counter;
}

/** A counter over an encoding; pass `tokenizer` to observe or replace the raw encoder (tests). */
export function createTokenCounter(
  encoding: EncodingName,
  tokenizer: Tokenizer = getTokenizer(encoding),
): TokenCounter {
  const roleTokens = new Map<string, number>();
  const count = (text: string): number => (text === '' ? 0 : tokenizer.encode(text).length);

  const messageOverhead = (role: string): number => {
    let tokens = roleTokens.get(role);
    if (tokens === undefined) {
      tokens = count(role);
      roleTokens.set(role, tokens);
    }
    return MESSAGE_FRAME_TOKENS + tokens;
  };

  const messageTokens = (message: CountableMessage): number =>
    messageOverhead(message.role) +
    count(message.content) +
    (message.name === undefined ? 0 : count(message.name) + NAME_EXTRA_TOKENS);

  return {
    encoding,
    count,
    messageOverhead,
    messageTokens,
    promptTokens: (messages) =>
      messages.reduce((sum, message) => sum + messageTokens(message), REPLY_PRIMING_TOKENS),
    truncate: (text, maxTokens, keep = 'start') => truncateText(tokenizer, text, maxTokens, keep),
  };
}

/**
 * Cuts `text` to at most `maxTokens`. Encodes only a window at the kept end that grows until it holds
 * more than `maxTokens` tokens, so cutting a huge text costs about `maxTokens`, not the text's length.
 */
function truncateText(tokenizer: Tokenizer, text: string, maxTokens: number, keep: 'start' | 'end'): string {
  if (maxTokens <= 0 || text === '') return '';
  const fromStart = keep === 'start';
  // A token is at least one byte and a UTF-16 unit is at most three, so most windows need one pass.
  let windowLength = Math.min(text.length, maxTokens * 6 + 64);
  let tokens: number[];
  for (;;) {
    const window = fromStart
      ? text.slice(0, cutIndex(text, windowLength))
      : text.slice(tailIndex(text, windowLength));
    tokens = tokenizer.encode(window);
    if (tokens.length > maxTokens) break;
    if (windowLength >= text.length) return text;
    windowLength = Math.min(text.length, windowLength * 2);
  }
  // The first k tokens of the window decode to a prefix of the text unless the cut falls inside a
  // character (then the decoder emits U+FFFD); BPE is not additive, so the prefix is recounted too.
  let k = maxTokens;
  while (k > 0) {
    const candidate = tokenizer.decode(fromStart ? tokens.slice(0, k) : tokens.slice(tokens.length - k));
    if (fromStart ? text.startsWith(candidate) : text.endsWith(candidate)) {
      const cost = tokenizer.encode(candidate).length;
      if (cost <= maxTokens) return candidate;
      k -= cost - maxTokens;
    } else {
      k -= 1;
    }
  }
  return '';
}

/** `length`, moved back so a slice `[0, index)` does not end inside a surrogate pair. */
function cutIndex(text: string, length: number): number {
  if (length >= text.length) return text.length;
  const code = text.charCodeAt(length - 1);
  return code >= 0xd800 && code <= 0xdbff ? length - 1 : length;
}

/** Start of the last `length` units, moved forward so the slice does not start inside a surrogate pair. */
function tailIndex(text: string, length: number): number {
  if (length >= text.length) return 0;
  const start = text.length - length;
  const code = text.charCodeAt(start);
  return code >= 0xdc00 && code <= 0xdfff ? start + 1 : start;
}
