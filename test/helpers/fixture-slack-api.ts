import { type FakeSlackApi, startFakeSlackApi } from '../fakes/fake-slack-api.ts';
import { FIXTURE } from '../fixtures/slack/events.ts';

/**
 * The fake Slack Web API of the fixture workspace (`test/fixtures/slack/events.ts`): `auth.test` answers as its
 * bot, and `users.info` knows its user, Alice. Tests add people with `api.users.set`; the caller closes it.
 */
export async function startFixtureSlackApi(): Promise<FakeSlackApi> {
  const api = await startFakeSlackApi({
    identity: { teamId: FIXTURE.team, userId: FIXTURE.botUserId, botId: FIXTURE.botId },
  });
  api.users.set(FIXTURE.user, { id: FIXTURE.user, name: 'alice', profile: { display_name: 'Alice' } });
  return api;
}
