import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { startParley } from '../../src/app/start-parley.ts';
import { parseSessionExport } from '../../src/commands/session-export.ts';
import { SUMMARY_INSTRUCTIONS } from '../../src/history/summarize.ts';
import { type FakeOpenAI, startFakeOpenAI, type WireChatMessage } from '../fakes/fake-openai-server.ts';
import { promptText } from '../fakes/name-from-prompt.ts';
import { scriptedTerminal } from '../helpers/chat-session.ts';
import { startTestRedis } from '../helpers/redis-server.ts';

let model: FakeOpenAI;
beforeAll(async () => {
  model = await startFakeOpenAI();
});
afterAll(async () => {
  await model?.close();
});
afterEach(() => model.reset());

const isSummaryRequest = (messages: WireChatMessage[]) => messages[0]?.content === SUMMARY_INSTRUCTIONS;

async function withChat(
  env: Record<string, string>,
  run: (say: (line: string) => Promise<string>) => Promise<void>,
) {
  const terminal = scriptedTerminal();
  const exportDir = mkdtempSync(join(tmpdir(), 'parley-export-'));
  const parley = await startParley(loadConfig({ OPENAI_BASE_URL: model.url, MODEL: 'gpt-4o-mini', ...env }), {
    logger: silentLogger,
    console: { input: terminal.input, output: terminal.output, sessionName: 'memo', exportDir },
  });
  try {
    await run((line) => terminal.say(line));
  } finally {
    terminal.input.end();
    await parley.consoleDone;
    await parley.stop();
  }
  return exportDir;
}

describe('memory that lasts (terminal chat)', () => {
  it('sets, shows and resets the persona, which becomes the system prompt', async () => {
    await withChat({}, async (say) => {
      expect(await say('/persona You are a pirate. Answer in pirate speak.')).toContain('Persona set');
      await say('hello');
      expect(model.requests.at(-1)!.body.messages[0]!.content).toBe(
        'You are a pirate. Answer in pirate speak.',
      );
      expect(await say('/persona')).toContain('You are a pirate.');
      expect(await say('/persona reset')).toContain('Persona reset');
      await say('hello again');
      expect(model.requests.at(-1)!.body.messages[0]!.content).not.toContain('pirate');
    });
  });

  it('summarizes old turns into the rolling summary, carries it, and shows it in /memory', async () => {
    model.respondWith((body) =>
      isSummaryRequest(body.messages) ? 'SUMMARY: Alice likes green tea and lives in Oslo.' : 'Noted.',
    );
    const filler = 'lorem ipsum dolor sit amet '.repeat(12);
    await withChat({ MAX_CONTEXT_TOKENS: '700', MAX_REPLY_TOKENS: '100' }, async (say) => {
      for (let i = 0; i < 8; i++) await say(`fact ${i}: ${filler}`);
      const summaryCalls = model.requests.filter((request) => isSummaryRequest(request.body.messages));
      expect(summaryCalls.length).toBeGreaterThan(0);
      expect(promptText(summaryCalls[0]!.body.messages)).toContain('fact 0');
      await say('what do you know?');
      const last = model.requests.at(-1)!.body.messages;
      expect(last[1]!.role).toBe('system');
      expect(last[1]!.content).toContain('SUMMARY: Alice likes green tea');
      expect(promptText(last)).not.toContain('fact 0:');
      const memory = await say('/memory');
      expect(memory).toContain('SUMMARY: Alice likes green tea');
      expect(await say('/memory clear')).toContain('dropped');
      expect(await say('/memory')).toContain('no summary');
      expect(await say('/usage')).toMatch(/this conversation: [\d,]+ tokens/);
    });
  });

  it('loses nothing when the summary call fails', async () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(12);
    let failSummaries = true;
    model.respondWith((body) => {
      if (isSummaryRequest(body.messages) && failSummaries) throw new Error('boom');
      return isSummaryRequest(body.messages) ? 'SUMMARY OK' : 'Noted.';
    });
    await withChat(
      { MAX_CONTEXT_TOKENS: '700', MAX_REPLY_TOKENS: '100', MODEL_MAX_RETRIES: '0' },
      async (say) => {
        for (let i = 0; i < 6; i++) await say(`fact ${i}: ${filler}`);
        const memory = await say('/memory');
        expect(memory).toContain('no summary');
        expect(memory).toMatch(/last 12 messages/);
        failSummaries = false;
        await say('one more');
        expect(await say('/memory')).toContain('SUMMARY OK');
      },
    );
  });

  it('exports the conversation as JSON and forgets everything after confirmation', async () => {
    const dir = await withChat({}, async (say) => {
      await say('My name is Alice');
      expect(await say('/export')).toContain('Saved to');
      expect(await say('/forget')).toContain('forget confirm');
      expect(await say('/usage')).toMatch(/this conversation: [\d,]+ tokens \([\d,]+ in/);
      expect(await say('/forget confirm')).toContain('deleted');
      await say("What's my name?");
      expect(promptText(model.requests.at(-1)!.body.messages)).not.toContain('Alice');
    });
    const exported = parseSessionExport(
      JSON.parse(readFileSync(join(dir, 'parley-console_memo.json'), 'utf8')),
    );
    expect(exported.sessionId).toBe('console:memo');
    expect(exported.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'My name is Alice'],
      ['assistant', 'Echo: memo: My name is Alice'],
    ]);
  });

  it('declines politely past the daily budget and says when it resets', async () => {
    await withChat({ MAX_DAILY_TOKENS_PER_USER: '40' }, async (say) => {
      await say('hello');
      const requests = model.requests.length;
      const declined = await say('hello again');
      expect(declined).toMatch(/used today's budget of 40 tokens.*resets at \d{4}-\d{2}-\d{2} 00:00 UTC/);
      expect(model.requests.length).toBe(requests);
    });
  });

  it('enforces the channel budget from the Redis ledger, across processes', async () => {
    const redis = await startTestRedis();
    try {
      const env = { REDIS_URL: redis.url, MAX_DAILY_TOKENS_PER_CHANNEL: '40' };
      await withChat(env, async (say) => {
        expect(await say('hello')).toContain('Echo:');
      });
      // A new process (same Redis) sees the spend of the first.
      await withChat(env, async (say) => {
        expect(await say('hello again')).toMatch(/This conversation has used today's budget of 40 tokens/);
        expect(await say('/usage')).toMatch(/this conversation today: [\d,]+ tokens/);
      });
    } finally {
      await redis.close();
    }
  });

  it('chains turns with the Responses API and rebuilds a lost chain from the transcript', async () => {
    await withChat({ MODEL_API: 'responses' }, async (say) => {
      await say('My name is Alice');
      await say("What's my name?");
      const [first, second] = model.responsesRequests;
      expect(first!.body.previous_response_id).toBeUndefined();
      expect(second!.body.previous_response_id).toMatch(/^resp_/);
      expect(JSON.stringify(second!.body.input)).not.toContain('My name is Alice');
      model.forgetResponses();
      await say('Still there?');
      const rebuilt = model.responsesRequests.at(-1)!;
      expect(rebuilt.body.previous_response_id).toBeUndefined();
      expect(JSON.stringify(rebuilt.body.input)).toContain('My name is Alice');
    });
  });
});
