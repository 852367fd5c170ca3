import { describe, expect, it } from 'vitest';
import type { StoredAttachment, StoredMessage } from '../../../src/history/history-store.ts';
import type { ChatMessage } from '../../../src/model/model-client.ts';
import { getTokenCounter, type TokenCounter } from '../../../src/model/token-counter.ts';
import { assemblePrompt, SUMMARY_PREFIX } from '../../../src/prompt/assemble-prompt.ts';
import { MERGE_SEPARATOR } from '../../../src/prompt/merge-same-role.ts';
import { promptImages } from '../../../src/prompt/prompt-attachments.ts';
import { isBlank, renderContentKeeping, toStoredMessage } from '../../../src/prompt/render-message.ts';
import { mulberry32 } from '../../fuzz/random.ts';

// Randomised conversations against the invariants of prompt assembly. Seeded, so a failure names the
// case that reproduces it: set CASE below to that number to replay it alone.
const SEED = 0x5eed_2024;
const CASES = 3_000;
const CASE: number | undefined = undefined;
/** Reply priming plus a system and a newest message of one content token each. */
const SMALLEST_FEASIBLE_BUDGET = 13;

const PIECES = [
  'hello',
  ' world',
  'the quick brown fox',
  ' ',
  '   ',
  '\n',
  '\n\n',
  '\r\n',
  '\t',
  '12345',
  '3.14159',
  '?!',
  '...',
  "don't",
  '👩‍💻',
  '🇺🇦',
  '😀😀',
  'e\u0301',
  '漢字とかなカナ',
  'お誕生日おめでとう',
  '한국어 문장',
  'שלום עולם',
  'مرحبا بالعالم',
  '\u200B',
  '\u200D',
  '\u2060',
  '\uFEFF',
  '\u202E',
  '```ts\nconst x: number = 1;\n```',
  '    indented code();',
  '<|endoftext|>',
  '<|im_start|>user',
  '…',
  '—',
  'Alice:',
  'https://example.com/a?b=c&d=e',
];

function randomText(random: () => number): string {
  const shape = random();
  if (shape < 0.06) return '';
  if (shape < 0.09) return [' ', '\n\n', '\t \n', '\u200B'][Math.floor(random() * 4)]!;
  // Now and then a message far larger than any budget.
  const pieces = shape > 0.996 ? 1_000 + Math.floor(random() * 2_000) : Math.floor(random() ** 2 * 60);
  let text = '';
  for (let i = 0; i < pieces; i++) text += PIECES[Math.floor(random() * PIECES.length)];
  return text;
}

const NAMES = ['Alice', 'Bob', '  Zoë  ', 'Dr. Who: the doctor', 'Eve\nassistant', '山田', '', '👩‍💻 dev'];

/** Now and then files with a user's message: text blocks (some blank), images of assorted cost, skipped files. */
function randomAttachments(random: () => number, nextImage: () => number): StoredAttachment[] | undefined {
  if (random() < 0.7) return undefined;
  return Array.from({ length: 1 + Math.floor(random() ** 2 * 4) }, (): StoredAttachment => {
    const kind = random();
    if (kind < 0.35) {
      const body = randomText(random);
      return {
        name: 'notes.txt',
        kind: 'text',
        text: random() < 0.1 ? ' ' : `File notes.txt:\n\`\`\`\n${body}\n\`\`\``,
        tokens: 1,
      };
    }
    if (kind < 0.9) {
      const n = nextImage();
      const tokens = random() < 0.3 ? 85 : 255 + 170 * Math.floor(random() * 8);
      return { name: `img-${n}.png`, kind: 'image', mimeType: 'image/png', sha256: `sha-${n}`, tokens };
    }
    return { name: 'archive.zip', kind: 'skipped', reason: 'unsupported_type' };
  });
}

interface Case {
  systemPrompt: string;
  persona: string | undefined;
  summary: string | undefined;
  history: StoredMessage[];
  pending: StoredMessage[];
  maxContextTokens: number;
  maxReplyTokens: number;
  maxHistoryMessages: number | undefined;
  counter: TokenCounter;
  sendImages: boolean | undefined;
}

function generateCase(random: () => number, counters: TokenCounter[]): Case {
  const counter = counters[Math.floor(random() * counters.length)]!;
  let at = 0;
  let images = 0;
  let role: StoredMessage['role'] = random() < 0.5 ? 'user' : 'assistant';
  const message = (forcedRole?: StoredMessage['role']): StoredMessage => {
    // Runs of the same role are common: people talk without a reply in between.
    if (random() < 0.4) role = role === 'user' ? 'assistant' : 'user';
    const r = forcedRole ?? role;
    const name = NAMES[Math.floor(random() * NAMES.length)]!;
    const author = r === 'user' && random() < 0.85 ? { id: `U${Math.floor(random() * 5)}`, name } : undefined;
    const attachments = r === 'user' ? randomAttachments(random, () => images++) : undefined;
    return toStoredMessage({ role: r, content: randomText(random), author, at: at++, attachments }, counter);
  };
  const history = Array.from({ length: Math.floor(random() ** 2 * 40) }, () => message());
  const pending = Array.from({ length: 1 + Math.floor(random() ** 3 * 3) }, () => message('user'));

  const scale = random();
  const maxContextTokens =
    scale < 0.2
      ? 1 + Math.floor(random() * 60)
      : scale < 0.7
        ? 60 + Math.floor(random() * 2_000)
        : 2_000 + Math.floor(random() * 30_000);
  const maxReplyTokens = Math.floor(random() * Math.min(maxContextTokens, 4_000));
  const systemPrompt =
    random() < 0.9 ? `You are a helpful bot. ${randomText(random)}` : randomText(random).trim() || 'Hi.';
  return {
    systemPrompt,
    persona: random() < 0.2 ? randomText(random) : undefined,
    summary: random() < 0.3 ? randomText(random) : undefined,
    history,
    pending,
    maxContextTokens,
    maxReplyTokens,
    maxHistoryMessages: random() < 0.3 ? 1 + Math.floor(random() * 20) : undefined,
    counter,
    sendImages: random() < 0.1 ? false : undefined,
  };
}

const MARKED_BOTH_ENDS = /^([\s\S]*)\n…\[truncated \d+ tokens\]…\n([\s\S]*)$/;
const MARKED_END = /^([\s\S]*)…\[truncated \d+ tokens\]$/;

/** Whether `sent` is `original` or a cut of it that keeps its start (and maybe its end). */
function isCutOf(sent: string, original: string): boolean {
  if (sent === original || sent === '…') return true;
  const both = MARKED_BOTH_ENDS.exec(sent);
  if (both && original.startsWith(both[1]!) && original.endsWith(both[2]!)) return true;
  const end = MARKED_END.exec(sent);
  if (end && original.startsWith(end[1]!)) return true;
  return sent !== '' && original.startsWith(sent);
}

/** The roles of `parts` after merging consecutive equal ones. */
function mergedRoles(parts: readonly { role: string }[]): string[] {
  return parts.map((p) => p.role).filter((r, i, all) => i === 0 || all[i - 1] !== r);
}

/** How often the cases exercised images, so a generator change cannot quietly stop testing them. */
const seen = { sentImages: 0, droppedImages: 0, both: 0 };

function checkCase(input: Case): void {
  const { counter } = input;
  const budget = input.maxContextTokens - input.maxReplyTokens;
  const result = assemblePrompt(input);
  const { messages } = result;
  if (result.imageRefs.length > 0) seen.sentImages++;
  if (result.droppedImages > 0) seen.droppedImages++;
  if (result.imageRefs.length > 0 && result.droppedImages > 0) seen.both++;

  // Counted exactly (texts plus the images referred to), and within budget whenever the budget can hold a
  // minimal prompt at all.
  const imageTokens = result.imageRefs.reduce((sum, ref) => sum + ref.tokens, 0);
  const recounted = counter.promptTokens(messages) + imageTokens;
  expect(result.promptTokens).toBe(recounted);
  if (budget >= SMALLEST_FEASIBLE_BUDGET) {
    expect(result.overBudget).toBe(false);
    expect(recounted).toBeLessThanOrEqual(budget);
  }
  expect(result.overBudget).toBe(recounted > budget);

  // Nothing blank is ever sent.
  for (const m of messages) expect(m.content.trim()).not.toBe('');

  // The system prompt (or persona) comes first, whole or cut from its start.
  const systemText = input.persona?.trim() ? input.persona : input.systemPrompt;
  expect(messages[0]!.role).toBe('system');
  expect(isCutOf(messages[0]!.content, systemText)).toBe(true);

  // Then at most one summary message, then the conversation with roles alternating.
  let rest: ChatMessage[] = messages.slice(1);
  if (rest[0]?.role === 'system') {
    expect(input.summary).toBeDefined();
    expect(isCutOf(rest[0].content, SUMMARY_PREFIX + input.summary)).toBe(true);
    rest = rest.slice(1);
  }
  for (const [i, m] of rest.entries()) {
    expect(m.role).not.toBe('system');
    if (i > 0) expect(m.role).not.toBe(rest[i - 1]!.role);
  }

  // The newest non-blank new message is always sent, last, whole or as a marked cut keeping its start.
  const pending = input.pending.filter((m) => !isBlank(m));
  const newest = pending.at(-1);
  if (!newest) return;
  const last = rest.at(-1)!;
  expect(last.role).toBe(newest.role);

  // Images go with user messages only, each at most once; a message sends the newest of its images, the
  // others named as omitted.
  const sentImages = new Set(result.imageRefs.map((ref) => ref.sha256));
  expect(sentImages.size).toBe(result.imageRefs.length);
  for (const ref of result.imageRefs) expect(messages[ref.messageIndex]?.role).toBe('user');
  if (input.sendImages === false) expect(result.imageRefs).toEqual([]);
  const omission = input.sendImages === false ? 'images off' : 'prompt budget';
  const render = (m: StoredMessage): string =>
    renderContentKeeping(m, promptImages(m).filter((image) => sentImages.has(image.sha256)).length, omission);
  const rendered = render(newest);

  // The conversation is a suffix of (history window + new messages) in order, merged by role: find
  // how many messages it holds, with the newest possibly cut.
  const window =
    input.maxHistoryMessages === undefined ? input.history : input.history.slice(-input.maxHistoryMessages);
  const candidates = [...window, ...pending].filter((m) => !isBlank(m));
  const sent = rest.map((m) => m.content).join(MERGE_SEPARATOR);
  let kept = 0;
  for (let k = 1; k <= candidates.length && kept === 0; k++) {
    const older = candidates.slice(-k, -1).map(render).join(MERGE_SEPARATOR);
    const prefix = k > 1 ? older + MERGE_SEPARATOR : '';
    if (!sent.startsWith(prefix) || !isCutOf(sent.slice(prefix.length), rendered)) continue;
    if (JSON.stringify(mergedRoles(candidates.slice(-k))) !== JSON.stringify(rest.map((m) => m.role)))
      continue;
    kept = k;
  }
  expect(kept).toBeGreaterThan(0);
  expect(result.droppedMessages).toBeGreaterThanOrEqual(candidates.length - kept);
  expect(result.droppedMessages).toBeLessThanOrEqual(input.history.length + input.pending.length - kept);
  if (!result.truncated) expect(last.content.endsWith(rendered)).toBe(true);

  // Images are dropped oldest first: in conversation order, the sent messages' images are all left out
  // until the first one sent, and all sent from there on.
  const flags = candidates
    .slice(-kept)
    .flatMap((m) => promptImages(m).map((image) => sentImages.has(image.sha256)));
  expect(flags.slice(flags.indexOf(true) === -1 ? flags.length : flags.indexOf(true)).every(Boolean)).toBe(
    true,
  );
  expect(flags.filter(Boolean)).toHaveLength(result.imageRefs.length);
  expect(result.droppedImages).toBeGreaterThanOrEqual(flags.filter((sent) => !sent).length);
}

describe('assemblePrompt on random conversations', () => {
  const counters = [getTokenCounter('gpt-4o-mini'), getTokenCounter('gpt-4')];

  it(`holds its invariants over ${CASES} seeded cases`, () => {
    const random = mulberry32(SEED);
    for (let index = 0; index < CASES; index++) {
      const input = generateCase(random, counters);
      if (CASE !== undefined && index !== CASE) continue;
      try {
        checkCase(input);
      } catch (error) {
        throw new Error(`case ${index} (seed ${SEED}) failed: ${(error as Error).message}`, { cause: error });
      }
    }
    if (CASE === undefined) {
      expect(seen.sentImages).toBeGreaterThan(CASES / 20);
      expect(seen.droppedImages).toBeGreaterThan(CASES / 20);
      expect(seen.both).toBeGreaterThan(CASES / 100);
    }
  });
});
