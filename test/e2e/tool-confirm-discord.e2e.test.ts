import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningParley } from '../../src/app/start-parley.ts';
import { type FakeDiscord, type RecordedRequest, startFakeDiscord } from '../fakes/fake-discord.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../fakes/mcp/fake-mcp-http.ts';
import { startTestParley } from '../helpers/test-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { callLogFile, latestToolResults } from '../integration/tools/tool-harness.ts';

let model: FakeOpenAI;
let discord: FakeDiscord;
let remote: FakeMcpHttp;
let parley: RunningParley;

beforeAll(async () => {
  [model, discord, remote] = await Promise.all([startFakeOpenAI(), startFakeDiscord(), startFakeMcpHttp()]);
  const file = join(dirname(callLogFile()), 'mcp.json');
  writeFileSync(file, JSON.stringify({ mcpServers: { remote: { url: remote.url, confirm: true } } }));
  // No REDIS_URL: the embedded mode, where the click and the waiting worker meet in one process.
  parley = await startTestParley({
    OPENAI_BASE_URL: model.url,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guildId,
    MCP_CONFIG: file,
    TOOL_CONFIRM_TIMEOUT_MS: '1500',
    LOG_LEVEL: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await parley?.stop({ timeoutMs: 5_000 });
  await Promise.all([model?.close(), discord?.close(), remote?.stop()]);
});

beforeEach(() => {
  model.respondWith((body) => {
    const results = latestToolResults(body);
    if (results.length > 0) return `After the tool: ${results[0]!.content}`;
    return { content: '', toolCalls: [{ name: 'remote__echo', arguments: '{"text":"guarded"}' }] };
  });
});

/** The posted question and its buttons' custom ids, once the bot has asked in the channel. */
function questionAfter(requestsBefore: number) {
  return waitFor('the confirmation question', () => {
    const post = discord.requests
      .slice(requestsBefore)
      .find((request) => request.route === 'POST /channels/:channel/messages' && hasButtons(request));
    if (!post) return undefined;
    const message = discord.messagesIn(discord.channelId).find((entry) => entry.content === contentOf(post));
    if (!message) return undefined;
    const ids = buttonIds(post);
    return {
      message,
      approve: ids.find((id) => id.startsWith('parley_tool_confirm:approve:'))!,
      decline: ids.find((id) => id.startsWith('parley_tool_confirm:decline:'))!,
    };
  });
}

function buttonIds(request: RecordedRequest): string[] {
  const rows = ((request.body as { components?: unknown[] }).components ?? []) as Array<{
    components: Array<{ custom_id: string }>;
  }>;
  return rows.flatMap((row) => row.components.map((component) => component.custom_id));
}

function hasButtons(request: RecordedRequest): boolean {
  return buttonIds(request).some((id) => id.startsWith('parley_tool_confirm:'));
}

function contentOf(request: RecordedRequest): string {
  return String((request.body as { content?: unknown }).content);
}

/** The edit that settled message `id`, once made. */
function settlingEdit(id: string) {
  return waitFor('the settled question', () =>
    discord.requests.find(
      (request) =>
        request.route === 'PATCH /channels/:channel/messages/:message' &&
        request.path.endsWith(`/${id}`) &&
        Array.isArray((request.body as { components?: unknown }).components),
    ),
  );
}

/** The answer in the channel that starts with `start`, once posted. */
/** The answer starting with `start` once it holds `expected`: answers stream, so its first words come first. */
function answer(start: string, expected: string) {
  return waitFor(`the answer "${start}…" to hold "${expected}"`, () =>
    discord
      .messagesIn(discord.channelId)
      .find((message) => message.content.startsWith(start) && message.content.includes(expected)),
  );
}

describe('tools that ask first, on Discord (button components on the real discord.js client, in-process answers)', () => {
  it('runs the tool once its author approves, and edits the question without its buttons', async () => {
    const calls = remote.calls.length;
    const requests = discord.requests.length;
    discord.sendMessageCreate({ content: `${discord.mention} echo something guarded` });
    const question = await questionAfter(requests);
    expect(question.message.content).toContain('remote.echo');
    expect(remote.calls.length).toBe(calls);
    const click = discord.sendComponentInteraction({
      customId: question.approve,
      messageId: question.message.id,
    });
    await waitFor('the click acknowledged', () => discord.interactionResponse(click.id));
    expect(discord.interactionResponse(click.id)).toMatchObject({ type: 6 });
    expect((await answer('After the tool: echo', 'echo: guarded')).content).toContain(
      'After the tool: echo: guarded',
    );
    expect(remote.calls.slice(calls)).toEqual([{ tool: 'echo', args: { text: 'guarded' } }]);
    const edit = await settlingEdit(question.message.id);
    expect(edit.body).toMatchObject({ components: [] });
    expect(contentOf(edit)).toContain(`approved by <@${discord.alice.id}>`);
    discord.clearRequests();
  }, 30_000);

  it('does not run a declined tool and tells the model; someone else gets an ephemeral refusal; no answer times out', async () => {
    const calls = remote.calls.length;
    discord.sendMessageCreate({ content: `${discord.mention} echo, but no` });
    const declined = await questionAfter(0);
    const bob = discord.user('bob');
    const refused = discord.sendComponentInteraction({
      customId: declined.approve,
      messageId: declined.message.id,
      user: bob,
    });
    await waitFor('the refusal', () => discord.interactionResponse(refused.id));
    expect(discord.interactionResponse(refused.id)).toMatchObject({
      type: 4,
      data: { flags: 64, content: `Only <@${discord.alice.id}> can answer this.` },
    });
    discord.sendComponentInteraction({ customId: declined.decline, messageId: declined.message.id });
    expect((await answer('After the tool: The user', 'declined')).content).toContain('The user declined');
    expect(contentOf(await settlingEdit(declined.message.id))).toContain('declined by');
    expect(remote.calls.length).toBe(calls);

    discord.clearRequests();
    model.respondWith((body) => {
      const results = latestToolResults(body);
      if (results.length > 0) return `Timed: ${results[0]!.content}`;
      return { content: '', toolCalls: [{ name: 'remote__echo', arguments: '{"text":"late"}' }] };
    });
    discord.sendMessageCreate({ content: `${discord.mention} echo, nobody answers` });
    const unanswered = await questionAfter(0);
    const timed = await answer('Timed:', 'in time');
    expect(timed.content).toContain('did not confirm this tool in time');
    expect(contentOf(await settlingEdit(unanswered.message.id))).toContain('nobody answered in time');
    expect(remote.calls.length).toBe(calls);
  }, 30_000);
});
