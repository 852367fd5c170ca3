import { ConfigError } from './errors.ts';

/** One prompt a new Slack assistant thread suggests: its button title and the message it sends. */
export interface SuggestedPrompt {
  /** Short title shown on the prompt. */
  title: string;
  /** The message the user sends by choosing it. */
  message: string;
}

/** Slack shows at most four suggested prompts. */
const MAX_PROMPTS = 4;

/** Slack's title limit for a suggested prompt is short; longer ones are cut with an ellipsis. */
const MAX_TITLE_CHARS = 40;

/**
 * Reads `SLACK_SUGGESTED_PROMPTS`: a JSON array of strings or `{ "title", "message" }` objects, or prompts
 * separated by `|`, each `Title: message` or just a message. Unset: `undefined` (the adapter's defaults).
 */
export function parseSuggestedPrompts(value: string | undefined): SuggestedPrompt[] | undefined {
  if (value === undefined) return undefined;
  const items = value.trimStart().startsWith('[') ? parseJson(value) : value.split('|');
  const prompts = items.map(toPrompt).filter((prompt) => prompt.message !== '');
  if (prompts.length === 0) {
    throw new ConfigError(
      'SLACK_SUGGESTED_PROMPTS names no prompt: unset it or give at least one.',
      VARIABLE,
    );
  }
  if (prompts.length > MAX_PROMPTS) {
    throw new ConfigError(
      `SLACK_SUGGESTED_PROMPTS has ${prompts.length} prompts; Slack shows at most ${MAX_PROMPTS}.`,
      VARIABLE,
    );
  }
  return prompts;
}

const VARIABLE = 'SLACK_SUGGESTED_PROMPTS';

function parseJson(value: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ConfigError(
      `SLACK_SUGGESTED_PROMPTS is not valid JSON (${(error as Error).message}); use a JSON array or prompts separated by |.`,
      VARIABLE,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new ConfigError('SLACK_SUGGESTED_PROMPTS must be a JSON array.', VARIABLE);
  }
  return parsed;
}

function toPrompt(item: unknown): SuggestedPrompt {
  if (typeof item === 'string') {
    const text = item.trim();
    const colon = /^([^:]{1,40}):\s+(.+)$/s.exec(text);
    if (colon) return { title: colon[1]!.trim(), message: colon[2]!.trim() };
    return { title: shorten(text), message: text };
  }
  if (typeof item === 'object' && item !== null) {
    const { title, message } = item as { title?: unknown; message?: unknown };
    if (typeof message === 'string' && message.trim() !== '') {
      const text = message.trim();
      return {
        title: typeof title === 'string' && title.trim() !== '' ? shorten(title.trim()) : shorten(text),
        message: text,
      };
    }
  }
  throw new ConfigError(
    `SLACK_SUGGESTED_PROMPTS: ${JSON.stringify(item)} is neither a string nor { "title", "message" }.`,
    VARIABLE,
  );
}

function shorten(text: string): string {
  return text.length <= MAX_TITLE_CHARS ? text : `${text.slice(0, MAX_TITLE_CHARS - 1).trimEnd()}…`;
}
