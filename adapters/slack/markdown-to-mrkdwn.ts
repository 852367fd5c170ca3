// Models answer in Markdown; Slack's `text` field speaks mrkdwn (`*bold*`, `_italic_`, `~strike~`,
// `<url|label>`, no headings). Slack decodes `&amp;`, `&lt;`, `&gt;` everywhere — code included — and treats
// a raw `<` as the start of a control sequence, so those three are escaped in all text except the link and
// mention sequences we emit or pass through. Broadcasts (`<!channel>`, `<!here>`, `<!everyone>`, user groups
// `<!subteam^…>`) page many people: unless allowed they are written as plain `@channel`, which Slack shows
// but does not notify (a post pings only through `<!…>`, or with `link_names`/`parse=full`, never sent here).

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const BULLET = /^(\s*)[-*+][ \t]+(.*)$/;
const TASK = /^\[([ xX])\][ \t]+/;
const QUOTE = /^ {0,3}>[ \t]?(.*)$/;
const INLINE_CODE = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g;
const LINK =
  /!?\[((?:[^[\]]|\[[^\]]*\])*)\]\(\s*<?([^\s<>()]*(?:\([^\s<>()]*\)[^\s<>()]*)*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const PASS_THROUGH =
  /<(?:(?:https?|mailto):[^\s<>]+|[@#][A-Z0-9]+(?:\|[^<>]*)?|![a-z^A-Z0-9]+(?:\|[^<>]*)?)>/g;
/** `<!date^…>` formats a time for each reader; every other `<!…>` is a broadcast (or unknown). */
const DATE_SEQUENCE = /^<!date\^/;
const PLACEHOLDER = /\uE000(\d+)\uE000/g;
const BOLD = '\uE001';

/** Options of `markdownToMrkdwn`. */
export interface MrkdwnOptions {
  /** Keep `<!channel>`, `<!here>`, `<!everyone>` and `<!subteam^…>` as real pings (`ALLOW_BROADCAST_MENTIONS`). */
  allowBroadcastMentions?: boolean;
}

/**
 * A broadcast as the plain text Slack would show for it, without the ping: `<!here>` → `@here`,
 * `<!subteam^S1|@devs>` → `@devs`, `<!subteam^S1>` → `@subteam`.
 */
export function broadcastAsText(sequence: string): string {
  const inner = sequence.slice(2, -1);
  const bar = inner.indexOf('|');
  const label = bar === -1 ? '' : inner.slice(bar + 1).trim();
  const name = label !== '' ? label : (inner.split(/[|^]/)[0] ?? '');
  return escapeMrkdwn(name.startsWith('@') ? name : `@${name}`);
}

/** Escapes the three characters Slack reserves. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function isClosingFence(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= marker.length && trimmed === marker[0]!.repeat(trimmed.length);
}

/** Converts Markdown emphasis, links and strike-through in a span without code. */
function convertSpan(span: string, options: MrkdwnOptions): string {
  const kept: string[] = [];
  const keep = (value: string): string => `\uE000${kept.push(value) - 1}\uE000`;
  let text = span.replace(LINK, (_match, label: string, url: string) => {
    if (url === '') return keep(escapeMrkdwn(label));
    const safeUrl = url.replace(/\|/g, '%7C');
    const cleanLabel = escapeMrkdwn(label.replace(/\*\*|__|`/g, '').trim());
    return keep(cleanLabel === '' || cleanLabel === safeUrl ? `<${safeUrl}>` : `<${safeUrl}|${cleanLabel}>`);
  });
  text = text.replace(PASS_THROUGH, (sequence) =>
    keep(
      sequence.startsWith('<!') && !DATE_SEQUENCE.test(sequence) && !options.allowBroadcastMentions
        ? broadcastAsText(sequence)
        : sequence,
    ),
  );
  text = escapeMrkdwn(text);
  text = text
    .replace(/\*\*\*(?=\S)([^*]*?\S)\*\*\*/g, `${BOLD}_$1_${BOLD}`)
    .replace(/\*\*(?=\S)(.*?\S)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^\w])__(?=\S)(.*?\S)__(?!\w)/g, `$1${BOLD}$2${BOLD}`)
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*]*?[^\s*])\*(?![\w*])/g, '$1_$2_')
    .replace(/~~(?=\S)(.*?\S)~~/g, '~$1~')
    .replaceAll(BOLD, '*');
  return text.replace(PLACEHOLDER, (_match, index: string) => kept[Number(index)] ?? '');
}

/** Converts one line of prose: inline code is escaped but otherwise left alone. */
function convertInline(line: string, options: MrkdwnOptions): string {
  let out = '';
  let index = 0;
  for (const match of line.matchAll(INLINE_CODE)) {
    out += convertSpan(line.slice(index, match.index), options);
    out += escapeMrkdwn(match[0]);
    index = match.index + match[0].length;
  }
  return out + convertSpan(line.slice(index), options);
}

function convertLine(line: string, options: MrkdwnOptions): string {
  const heading = HEADING.exec(line);
  if (heading) {
    const title = heading[1]!.replace(/\*\*|__/g, '').trim();
    return title === '' ? '' : `*${convertInline(title, options)}*`;
  }
  if (RULE.test(line)) return '──────────';
  const quote = QUOTE.exec(line);
  if (quote) return `&gt; ${convertLine(quote[1]!, options)}`;
  const bullet = BULLET.exec(line);
  if (bullet) {
    const [, indent, rest] = bullet;
    const task = TASK.exec(rest!);
    const body = task ? `${task[1] === ' ' ? '☐' : '☑'} ${rest!.slice(task[0].length)}` : rest!;
    return `${indent}• ${convertInline(body, options)}`;
  }
  return convertInline(line, options);
}

/**
 * Markdown → Slack mrkdwn: `**b**`→`*b*`, `*i*`/`_i_`→`_i_`, `~~s~~`→`~s~`, `[t](u)`→`<u|t>`, headings →
 * bold lines, bullets → `•`. Code (fenced and inline) keeps its text; fences lose indentation, `~~~`
 * becomes ```` ``` ```` and an unclosed fence (a reply still streaming) is closed so Slack renders it. User
 * and channel mentions pass through; broadcasts become plain text unless `allowBroadcastMentions`.
 */
export function markdownToMrkdwn(markdown: string, options: MrkdwnOptions = {}): string {
  const lines = markdown
    .replace(/[\uE000\uE001]/g, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    if (fence !== undefined) {
      if (isClosingFence(line, fence)) {
        out.push('```');
        fence = undefined;
      } else {
        out.push(escapeMrkdwn(line));
      }
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open) {
      fence = open[1]!;
      out.push(`\`\`\`${open[2] ?? ''}`);
      continue;
    }
    out.push(convertLine(line, options));
  }
  if (fence !== undefined) out.push('```');
  return out.join('\n');
}
