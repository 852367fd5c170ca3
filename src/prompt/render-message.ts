import type { StoredMessage } from '../history/history-store.ts';
import { type TokenCounter, UNMARKED_ENCODING } from '../model/token-counter.ts';
import type { Author } from '../turn/turn.ts';
import {
  ATTACHMENT_SEPARATOR,
  attachmentLines,
  hasPromptAttachments,
  type ImageOmission,
  imageTokensOf,
} from './prompt-attachments.ts';
import { toolCallTokens } from './tool-units.ts';

/** What rendering reads of a stored message. */
export type RenderableMessage = Pick<StoredMessage, 'role' | 'content' | 'author' | 'attachments'>;

/** Longest display name shown to the model, in code points. */
export const MAX_DISPLAY_NAME_LENGTH = 64;

// Line breaks, other control characters and invisible direction/format marks: a name must stay one
// visible line so it cannot forge another speaker's line. ZWJ/ZWNJ stay: emoji sequences need them.
const UNSAFE_NAME_CHARACTERS =
  /[\p{Cc}\p{Zl}\p{Zp}\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;

/** A speaker's name as shown to the model: one trimmed line of at most 64 code points, falling back to the id. */
export function displayName(author: Author): string {
  const clean = (value: string): string =>
    Array.from(value.replace(UNSAFE_NAME_CHARACTERS, ' ').replace(/\s+/g, ' ').trim())
      .slice(0, MAX_DISPLAY_NAME_LENGTH)
      .join('')
      .trim();
  return clean(author.name) || clean(author.id);
}

/**
 * The text a stored message is sent as: a user message with an author is prefixed with the speaker's
 * name (`Alice: …`) so the model can tell people apart in a shared channel; replies go as written. Its
 * attachments follow the text (see `prompt-attachments.ts`), every image named as sent.
 */
export function renderContent(message: RenderableMessage): string {
  return renderContentKeeping(message, Number.POSITIVE_INFINITY, 'prompt budget');
}

/** `renderContent` with only the newest `imagesKept` of the message's images sent, the rest named as omitted. */
export function renderContentKeeping(
  message: RenderableMessage,
  imagesKept: number,
  omission: ImageOmission,
): string {
  const content = hasPromptAttachments(message)
    ? [message.content, ...attachmentLines(message, imagesKept, omission)]
        .filter((text) => text.trim() !== '')
        .join(ATTACHMENT_SEPARATOR)
    : message.content;
  if (message.role !== 'user' || !message.author) return content;
  const name = displayName(message.author);
  return name ? `${name}: ${content}` : content;
}

/** Whether a message has nothing worth sending (providers reject empty or blank content). */
export function isBlank(
  message: Pick<StoredMessage, 'content'> &
    Partial<Pick<StoredMessage, 'role' | 'attachments' | 'toolCalls'>>,
): boolean {
  // A tool call or result is never blank: leaving out one half of an exchange would break the other.
  if (message.role === 'tool' || (message.toolCalls?.length ?? 0) > 0) return false;
  return message.content.trim() === '' && !hasPromptAttachments(message);
}

/**
 * A message ready to store, with `tokens` = its exact cost as prompt assembly renders it with all its images:
 * overhead + rendered content (text, then its files' blocks and image lines) + each image's `tokens`. The only
 * place a stored message is encoded.
 */
export function toStoredMessage(
  message: Omit<StoredMessage, 'tokens'>,
  counter: TokenCounter,
): StoredMessage {
  const stored: StoredMessage = { role: message.role, content: message.content, at: message.at, tokens: 0 };
  if (message.author) stored.author = { id: message.author.id, name: message.author.name };
  if (message.attachments && message.attachments.length > 0) {
    stored.attachments = message.attachments.map((attachment) => ({ ...attachment }));
  }
  if (message.toolCalls && message.toolCalls.length > 0) {
    stored.toolCalls = message.toolCalls.map(({ id, name, arguments: args }) => ({
      id,
      name,
      arguments: args,
    }));
  }
  if (message.toolCallId !== undefined) stored.toolCallId = message.toolCallId;
  if (message.toolName !== undefined) stored.toolName = message.toolName;
  stored.tokens =
    counter.messageOverhead(stored.role) +
    counter.count(renderContent(stored)) +
    imageTokensOf(stored) +
    toolCallTokens(stored, counter);
  // Counts in another encoding than the unmarked one say which, so a model switch knows to redo them.
  if (counter.encoding !== UNMARKED_ENCODING) stored.encoding = counter.encoding;
  return stored;
}
