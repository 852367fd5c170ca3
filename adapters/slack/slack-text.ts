// Slack's message text is "mrkdwn" with control sequences in angle brackets (`<@U123>`, `<#C1|general>`,
// `<https://x|label>`, `<!here>`) and only `&`, `<`, `>` HTML-escaped. The model reads plain text instead.

const CONTROL_SEQUENCE = /<([^<>]*)>/g;
const USER_MENTION = /<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>/g;
/** A channel link that carries no name (`<#C123>`); `<#C123|general>` names the channel itself. */
const BARE_CHANNEL_MENTION = /<#([CGD][A-Z0-9]+)>/g;

/** User ids mentioned in a Slack message text, in order of first appearance, without duplicates. */
export function mentionedUserIds(text: string): string[] {
  const ids = new Set<string>();
  for (const match of text.matchAll(USER_MENTION)) ids.add(match[1]!);
  return [...ids];
}

/** Channel ids linked without a name (`<#C123>`), in order of first appearance, without duplicates. */
export function unnamedChannelIds(text: string): string[] {
  const ids = new Set<string>();
  for (const match of text.matchAll(BARE_CHANNEL_MENTION)) ids.add(match[1]!);
  return [...ids];
}

/** Whether the text mentions the given user (e.g. the bot). */
export function mentionsUser(text: string, userId: string): boolean {
  return mentionedUserIds(text).includes(userId);
}

/** Options of `slackTextToPlain`. */
export interface PlainTextOptions {
  /** The bot's own user id: its mentions are removed (they only address the message to the bot). */
  botUserId?: string;
  /** Display names of mentioned users; unknown ids stay as `@U123`. */
  names?: ReadonlyMap<string, string>;
  /** Names of channels linked without one (`<#C123>`); unknown ones stay as `#C123`. */
  channelNames?: ReadonlyMap<string, string>;
}

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Plain rendering of one `<…>` sequence; `undefined` for the bot's own mention, which is dropped. */
function renderControl(inner: string, options: PlainTextOptions): string | undefined {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    if (id === options.botUserId) return undefined;
    return `@${options.names?.get(id) ?? label ?? id}`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `#${label ?? options.channelNames?.get(id) ?? id}`;
  }
  if (target.startsWith('!')) {
    // <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
    if (label !== undefined) return label;
    return `@${target.slice(1).split('^')[0] ?? ''}`;
  }
  const url = decodeEntities(target.startsWith('mailto:') ? target.slice('mailto:'.length) : target);
  if (label === undefined || label === url) return url;
  return `${label} (${url})`;
}

/**
 * Slack message text as plain text: mentions become `@Name` (the bot's own mention disappears with the
 * space after it), channel links `#name`, links `label (url)`, and entities are decoded once.
 */
export function slackTextToPlain(text: string, options: PlainTextOptions = {}): string {
  let out = '';
  let index = 0;
  for (const match of text.matchAll(CONTROL_SEQUENCE)) {
    out += decodeEntities(text.slice(index, match.index));
    index = match.index + match[0].length;
    const rendered = renderControl(match[1]!, options);
    if (rendered !== undefined) {
      out += rendered;
    } else if (text[index] === ' ') {
      index += 1;
    }
  }
  out += decodeEntities(text.slice(index));
  // "@bot, can you…" / "@bot: …" leave a dangling separator at the start.
  return out.trim().replace(/^[,:]\s*/, '');
}
