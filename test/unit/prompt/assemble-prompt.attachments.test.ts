import { describe, expect, it } from 'vitest';
import type { StoredAttachment, StoredImage, StoredMessage } from '../../../src/history/history-store.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import { type AssemblePromptInput, assemblePrompt } from '../../../src/prompt/assemble-prompt.ts';
import { attachPromptImages, imageHashes } from '../../../src/prompt/attach-prompt-images.ts';
import { isBlank, renderContent, toStoredMessage } from '../../../src/prompt/render-message.ts';

const counter = getTokenCounter('gpt-4o-mini');
const SYSTEM = 'You are a test bot.';
const BLOCK = 'File notes.txt (text/plain, 12 B):\n```\nbuy milk\n```';

const textFile = (name: string, text: string): StoredAttachment => ({ name, kind: 'text', text, tokens: 9 });
const picture = (name: string, tokens = 765): StoredAttachment => ({
  name,
  kind: 'image',
  mimeType: 'image/png',
  sha256: `sha-${name}`,
  width: 1024,
  height: 1024,
  tokens,
});

let clock = 0;
const user = (content: string, attachments?: StoredAttachment[]): StoredMessage =>
  toStoredMessage(
    { role: 'user', content, author: { id: 'U1', name: 'Alice' }, at: clock++, attachments },
    counter,
  );
const reply = (content: string): StoredMessage =>
  toStoredMessage({ role: 'assistant', content, at: clock++ }, counter);

function assemble(overrides: Partial<AssemblePromptInput>): ReturnType<typeof assemblePrompt> {
  return assemblePrompt({
    systemPrompt: SYSTEM,
    history: [],
    pending: [],
    maxContextTokens: 10_000,
    maxReplyTokens: 1_000,
    counter,
    ...overrides,
  });
}

/** What the prompt costs by recount: its texts plus the images it refers to. */
function recount(result: ReturnType<typeof assemblePrompt>): number {
  return counter.promptTokens(result.messages) + result.imageRefs.reduce((sum, ref) => sum + ref.tokens, 0);
}

describe('a stored message with attachments', () => {
  it('reads as its text, then each file block and image line in order; skipped files add nothing', () => {
    const message = user('look at these', [
      textFile('notes.txt', BLOCK),
      picture('a.png'),
      { name: 'big.zip', kind: 'skipped', reason: 'unsupported_type' },
      textFile('more.txt', 'File more.txt:\n```\nsecond\n```'),
    ]);
    expect(renderContent(message)).toBe(
      `Alice: look at these\n\n${BLOCK}\n\n[image a.png]\n\nFile more.txt:\n\`\`\`\nsecond\n\`\`\``,
    );
  });

  it('costs its rendered text plus its images, counted once when stored', () => {
    const message = user('see', [textFile('notes.txt', BLOCK), picture('a.png', 765), picture('b.png', 85)]);
    const text = renderContent(message);
    expect(message.tokens).toBe(counter.messageOverhead('user') + counter.count(text) + 765 + 85);
    expect(message.attachments).toHaveLength(3);
  });

  it('is not blank when it has only an attachment, and a message without any reads as before', () => {
    expect(isBlank(user('', [picture('a.png')]))).toBe(false);
    expect(isBlank(user('  ', [{ name: 'x.bin', kind: 'skipped' }]))).toBe(true);
    const plain = user('hello');
    expect(renderContent(plain)).toBe('Alice: hello');
    expect(plain).not.toHaveProperty('attachments');
  });
});

describe('assemblePrompt with attachments', () => {
  it('sends file blocks in the text and names each image for the caller, counted exactly', () => {
    const history = [user('first', [picture('old.png', 85)]), reply('I see a cat')];
    const pending = [user('and this?', [textFile('notes.txt', BLOCK), picture('new.png')])];
    const result = assemble({ history, pending, imageDetail: 'high' });
    expect(result.messages.at(-1)).toEqual({
      role: 'user',
      content: `Alice: and this?\n\n${BLOCK}\n\n[image new.png]`,
    });
    expect(result.imageRefs).toEqual([
      { messageIndex: 1, sha256: 'sha-old.png', name: 'old.png', detail: 'low', tokens: 85 },
      { messageIndex: 3, sha256: 'sha-new.png', name: 'new.png', detail: 'high', tokens: 765 },
    ]);
    expect(result.promptTokens).toBe(recount(result));
    expect(result.droppedImages).toBe(0);
    expect(imageHashes(result.imageRefs)).toEqual(['sha-old.png', 'sha-new.png']);
  });

  it('drops the oldest images first when they do not fit, keeping their messages with a note', () => {
    const history = [
      user('one', [picture('1.png')]),
      reply('ok'),
      user('two', [picture('2.png')]),
      reply('ok'),
    ];
    const pending = [user('three', [picture('3.png')])];
    const all = assemble({ history, pending });
    expect(all.imageRefs).toHaveLength(3);
    // Room for two images, not three.
    const budget = all.promptTokens - 400;
    const result = assemble({ history, pending, maxContextTokens: budget + 1_000 });
    expect(result.imageRefs.map((ref) => ref.name)).toEqual(['2.png', '3.png']);
    expect(result.messages[1]).toEqual({
      role: 'user',
      content: 'Alice: one\n\n[image 1.png omitted: prompt budget]',
    });
    expect(result.messages).toHaveLength(6);
    expect(result.droppedMessages).toBe(0);
    expect(result.droppedImages).toBe(1);
    expect(result.promptTokens).toBe(recount(result));
    expect(result.promptTokens).toBeLessThanOrEqual(budget);
  });

  it('sends no older image once one was dropped, even a cheap one that would fit', () => {
    const history = [
      user('cheap', [picture('low.png', 85)]),
      reply('ok'),
      user('dear', [picture('high.png', 1_105)]),
      reply('ok'),
    ];
    const pending = [user('now')];
    const whole = assemble({ history, pending });
    const result = assemble({ history, pending, maxContextTokens: whole.promptTokens - 500 + 1_000 });
    expect(result.imageRefs).toEqual([]);
    expect(result.droppedImages).toBe(2);
    expect(result.messages[1]!.content).toBe('Alice: cheap\n\n[image low.png omitted: prompt budget]');
  });

  it('keeps the newest message and system prompt whole, dropping its images, newest kept first', () => {
    const pending = [user('what differs?', [picture('left.png'), picture('right.png')])];
    const whole = assemble({ pending });
    const result = assemble({ pending, maxContextTokens: whole.promptTokens - 300 + 1_000 });
    expect(result.messages[0]).toEqual({ role: 'system', content: SYSTEM });
    expect(result.messages[1]!.content).toBe(
      'Alice: what differs?\n\n[image left.png omitted: prompt budget]\n\n[image right.png]',
    );
    expect(result.imageRefs.map((ref) => ref.name)).toEqual(['right.png']);
    expect(result.truncated).toBe(false);
    const tight = assemble({ pending, maxContextTokens: 60 + 1_000 });
    expect(tight.imageRefs).toEqual([]);
    expect(tight.messages[0]).toEqual({ role: 'system', content: SYSTEM });
    expect(tight.droppedImages).toBe(2);
    expect(tight.promptTokens).toBe(recount(tight));
    expect(tight.promptTokens).toBeLessThanOrEqual(60);
  });

  it('names every image as omitted when images are off', () => {
    const result = assemble({ pending: [user('see', [picture('a.png')])], sendImages: false });
    expect(result.imageRefs).toEqual([]);
    expect(result.messages[1]!.content).toBe('Alice: see\n\n[image a.png omitted: images off]');
    expect(result.promptTokens).toBe(recount(result));
  });

  it('sends the images of merged messages after the merged text', () => {
    const pending = [user('first', [picture('a.png')]), user('second', [picture('b.png', 85)])];
    const result = assemble({ pending });
    expect(result.messages).toHaveLength(2);
    expect(result.imageRefs.map((ref) => [ref.messageIndex, ref.name])).toEqual([
      [1, 'a.png'],
      [1, 'b.png'],
    ]);
    expect(result.promptTokens).toBe(recount(result));
  });
});

describe('attachPromptImages', () => {
  it('fills each message with its loaded images as base64, and reports the missing', () => {
    const result = assemble({ pending: [user('two', [picture('a.png'), picture('gone.png', 85)])] });
    const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]);
    const loaded = new Map<string, StoredImage>([
      ['sha-a.png', { sha256: 'sha-a.png', mimeType: 'image/png', bytes }],
    ]);
    const attached = attachPromptImages(result.messages, result.imageRefs, loaded);
    expect(attached.messages[0]).toBe(result.messages[0]);
    expect(attached.messages[1]).toEqual({
      ...result.messages[1],
      images: [{ mimeType: 'image/png', dataBase64: Buffer.from(bytes).toString('base64'), detail: 'auto' }],
    });
    expect(attached.missing.map((ref) => ref.name)).toEqual(['gone.png']);
    expect(result.messages[1]).not.toHaveProperty('images');
  });
});
