import { stringify } from 'node:querystring';
import type { FakeMessage, FakeSlackApi } from '../fakes/fake-slack-api.ts';
import { type SlackHttpResponse, sendSigned, sendSlackEvent } from '../fakes/slack-signing.ts';
import { appMention, FIXTURE } from '../fixtures/slack/events.ts';

/** Where and how a test clicks a button under a bot message. */
export interface ClickTarget {
  /** Where Slack delivers interactions (`…/slack/events`). */
  url: string;
  /** The app's signing secret. */
  signingSecret: string;
  /** The fake Web API (its `response_url` is handed out with the click). */
  api: FakeSlackApi;
}

/** Mentions the bot in the fixture's channel (a new thread); resolves to that thread's ts once Slack got a 200. */
export async function mentionBot(target: ClickTarget, text: string): Promise<string> {
  const envelope = appMention({ text: `<@${FIXTURE.botUserId}> ${text}` });
  const response = await sendSlackEvent(target.url, envelope, { signingSecret: target.signingSecret });
  if (response.status !== 200) throw new Error(`the mention was answered with HTTP ${response.status}`);
  return envelope.event.ts as string;
}

/**
 * Clicks a button under `message` as `user` (default the fixture's Alice): a `block_actions` payload as Slack
 * posts it (form-encoded `payload`), signed.
 */
export function clickSlackButton(
  target: ClickTarget,
  message: Pick<FakeMessage, 'ts' | 'channel' | 'thread_ts'>,
  action: Record<string, unknown>,
  user: string = FIXTURE.user,
): Promise<SlackHttpResponse> {
  const payload = {
    type: 'block_actions',
    team: { id: FIXTURE.team, domain: 'fixture' },
    user: { id: user, team_id: FIXTURE.team },
    api_app_id: 'A0FIXTURE',
    token: 'legacy',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    channel: { id: message.channel },
    message: {
      type: 'message',
      ts: message.ts,
      ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      user: FIXTURE.botUserId,
      text: 'answer',
    },
    trigger_id: '1.2.3',
    response_url: target.api.responseUrl(),
    actions: [{ block_id: 'stop', action_ts: String(Date.now() / 1000), ...action }],
  };
  return sendSigned(
    target.url,
    stringify({ payload: JSON.stringify(payload) }),
    'application/x-www-form-urlencoded',
    { signingSecret: target.signingSecret },
  );
}

/** The Stop button among a message's blocks, if it carries one. */
export function stopButtonOf(
  blocks: unknown[] | undefined,
): { action_id: string; value: string } | undefined {
  for (const block of blocks ?? []) {
    const elements = (block as { type?: string; elements?: unknown[] }).elements ?? [];
    for (const element of elements) {
      const button = element as { type?: string; action_id?: string; value?: string };
      if (
        button.type === 'button' &&
        button.action_id === 'parley_stop' &&
        typeof button.value === 'string'
      ) {
        return { action_id: button.action_id, value: button.value };
      }
    }
  }
  return undefined;
}
