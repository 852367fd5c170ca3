import { FIXTURE } from '../fixtures/slack/events.ts';
import type { Random } from './random.ts';

/** Events shaped like Slack's (mentions, DMs, thread replies, bots, files, edits), the starting points of mutation. */
export function baseSlackEvent(random: Random): Record<string, unknown> {
  const ts = `${1_700_000_000 + random.int(1_000_000)}.${String(random.int(1_000_000)).padStart(6, '0')}`;
  const common = { ts, event_ts: ts, team: FIXTURE.team, user: FIXTURE.user };
  return random.pick<() => Record<string, unknown>>([
    () => ({
      ...common,
      type: 'app_mention',
      channel: FIXTURE.channel,
      text: `<@${FIXTURE.botUserId}> ${random.string()}`,
    }),
    () => ({
      ...common,
      type: 'app_mention',
      channel: FIXTURE.channel,
      thread_ts: '1700000000.000100',
      text: `<@${FIXTURE.botUserId}> ${random.string()}`,
    }),
    () => ({ ...common, type: 'message', channel_type: 'im', channel: FIXTURE.dm, text: random.string() }),
    () => ({
      ...common,
      type: 'message',
      channel_type: 'channel',
      channel: FIXTURE.channel,
      text: `<@${FIXTURE.botUserId}> ${random.string()}`,
    }),
    () => ({
      ...common,
      type: 'message',
      subtype: 'file_share',
      channel_type: 'im',
      channel: FIXTURE.dm,
      text: random.string(),
      files: [{ id: 'F1', name: random.string() }],
    }),
    () => ({
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B0OTHER',
      username: random.string(),
      bot_profile: random.chance(0.5) ? { name: random.string() } : random.junk(),
      channel: FIXTURE.channel,
      ts,
      text: `<@${FIXTURE.botUserId}> ${random.string()}`,
    }),
    () => ({
      type: 'message',
      subtype: random.pick([
        'message_changed',
        'message_deleted',
        'channel_join',
        'me_message',
        'huddle_thread',
      ]),
      hidden: random.chance(0.5),
      channel: FIXTURE.channel,
      ts,
      message: { type: 'message', user: FIXTURE.user, text: `<@${FIXTURE.botUserId}> edited`, ts },
    }),
  ])();
}

const FIELDS = [
  'type',
  'subtype',
  'user',
  'bot_id',
  'username',
  'bot_profile',
  'text',
  'ts',
  'thread_ts',
  'channel',
  'channel_type',
  'team',
  'hidden',
];

/** Applies 0–5 random mutations: drop a field, give it junk, a random string, or a value of the wrong type. */
export function mutateSlackEvent(event: Record<string, unknown>, random: Random): Record<string, unknown> {
  const out = { ...event };
  for (let count = random.int(6); count > 0; count--) {
    const field = random.chance(0.9) ? random.pick(FIELDS) : random.string();
    const roll = random.next();
    if (roll < 0.25) delete out[field];
    else if (roll < 0.55) out[field] = random.string();
    else if (roll < 0.8) out[field] = random.junk();
    else if (field === 'type')
      out.type = random.pick(['app_mention', 'message', 'reaction_added', 'MESSAGE', '']);
    else if (field === 'subtype')
      out.subtype = random.pick(['file_share', 'thread_broadcast', 'bot_message', 'message_replied', '']);
    else if (field === 'channel_type') out.channel_type = random.pick(['im', 'mpim', 'channel', 'group']);
    else out[field] = random.pick([FIXTURE.channel, FIXTURE.dm, FIXTURE.botUserId, FIXTURE.botId, '1.2']);
  }
  return out;
}

/** A Slack-shaped event with 0–5 random mutations. */
export function mutatedSlackEvent(random: Random): Record<string, unknown> {
  return mutateSlackEvent(baseSlackEvent(random), random);
}
