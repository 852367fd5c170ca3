import { type FakeSlackApi, startFakeSlackApi } from '../../test/fakes/fake-slack-api.ts';
import { FIXTURE } from '../../test/fixtures/slack/events.ts';
import { type SlackAnswers, watchSlackAnswers } from './slack-answers.ts';
import { channelIds } from './slack-load.ts';

/** The bot token every bot is given and the fake accepts. */
export const BENCH_SLACK_TOKEN = 'xoxb-bench';

/**
 * The fake Slack Web API as the through-Slack scenarios use it: the fixture's bot identity, Alice known to
 * `users.info`, the load's channels to `conversations.info`, and a watcher of the answers as they show.
 */
export async function startSlackFakes(): Promise<{ api: FakeSlackApi; answers: SlackAnswers }> {
  const api = await startFakeSlackApi({
    identity: { teamId: FIXTURE.team, userId: FIXTURE.botUserId, botId: FIXTURE.botId },
    botToken: BENCH_SLACK_TOKEN,
  });
  api.users.set(FIXTURE.user, { id: FIXTURE.user, name: 'alice', profile: { display_name: 'Alice' } });
  for (const id of channelIds(20)) api.channels.set(id, { id, name: id.toLowerCase(), is_member: true });
  return { api, answers: watchSlackAnswers(api) };
}
