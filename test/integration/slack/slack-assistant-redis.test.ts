import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';
import { sendSlackEvent } from '../../fakes/slack-signing.ts';
import { directMessage, FIXTURE, nextTs } from '../../fixtures/slack/events.ts';
import { startFixtureSlackApi } from '../../helpers/fixture-slack-api.ts';
import {
  createTestSlackIngress,
  type ServedSlackIngress,
  serveSlackIngress,
} from '../../helpers/test-slack-ingress.ts';
import { useTestRedis } from '../../helpers/use-test-redis.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { type Envelope, loadPayload } from './real-payload-harness.ts';

const SECRET = 'assistant-redis-signing-secret';
const PREFIX = 'assistant-redis';
const redis = useTestRedis();

let api: FakeSlackApi;
let sink: RecordingSink;
let first: ServedSlackIngress;
let second: ServedSlackIngress;

/** One of two ingress processes behind a load balancer: its own Bolt app, the same Redis. */
const ingress = () =>
  serveSlackIngress(
    createTestSlackIngress({
      apiUrl: api.url,
      config: { signingSecret: SECRET, assistant: true },
      sink,
      redis: { connection: redis.client, prefix: PREFIX },
    }),
  );

beforeAll(async () => {
  api = await startFixtureSlackApi();
  api.channels.set(FIXTURE.channel, { id: FIXTURE.channel, name: 'design', is_member: true });
  api.ai.history.set(FIXTURE.channel, [
    { ts: '1700000000.000002', text: 'Ship the blue logo', user: FIXTURE.user },
  ]);
  sink = createRecordingSink();
  first = await ingress();
  second = await ingress();
});

afterAll(async () => {
  await first?.stop();
  await second?.stop();
  await api?.close();
});

async function send(to: ServedSlackIngress, payload: unknown) {
  const response = await sendSlackEvent(to.url, payload, { signingSecret: SECRET });
  expect(response.status).toBe(200);
}

/** The recorded `assistant_thread_started` in the fixture workspace, for a fresh thread viewing `viewing`. */
function threadStarted(threadTs: string, viewing: string): Envelope {
  const envelope = loadPayload<Envelope>('docs-assistant-thread-started.json', {
    T123ABC456: FIXTURE.team,
    U123ABC456: FIXTURE.user,
    D123ABC456: FIXTURE.dm,
    C123ABC456: viewing,
    '1729999327.187299': threadTs,
  });
  return { ...envelope, event_id: `Ev${threadTs.replace('.', '')}S` };
}

const inThread = (threadTs: string, text: string) =>
  directMessage({ thread_ts: threadTs, text, channel: FIXTURE.dm });

const titlesOf = (thread: string) => api.ai.titles.filter((call) => call.thread_ts === thread);

describe('assistant thread state on Redis, shared by two ingress processes', () => {
  it('titles a thread once and tells the viewed channel saved by one ingress through the other', async () => {
    const thread = nextTs();
    await send(first, threadStarted(thread, FIXTURE.channel));
    await waitFor('the saved context', async () =>
      (await redis.client.hget(`${PREFIX}:slack:assistant:${FIXTURE.dm}:${thread}`, 'context'))?.includes(
        FIXTURE.channel,
      ),
    );

    await send(second, inThread(thread, 'What did we decide about the logo?'));
    const question = await waitFor('the first turn', () =>
      sink.turns.find((turn) => turn.target.threadId === thread && turn.text.includes('logo')),
    );
    expect(question.text).toContain('the user is looking at #design');
    expect(question.text).toContain('Ship the blue logo');
    await waitFor('the title', () => titlesOf(thread).length === 1);

    // The next question lands on the other process: it neither titles the thread again nor repeats the channel.
    await send(first, inThread(thread, 'And the colour?'));
    const next = await waitFor('the second turn', () =>
      sink.turns.find((turn) => turn.target.threadId === thread && turn.text.includes('colour')),
    );
    expect(next.text).not.toContain('looking at');
    expect(titlesOf(thread).map((call) => call.title)).toEqual(['What did we decide about the logo?']);

    // Kept for weeks, not for ever.
    const ttl = await redis.client.ttl(`${PREFIX}:slack:assistant:${FIXTURE.dm}:${thread}`);
    expect(ttl).toBeGreaterThan(29 * 24 * 60 * 60);
    expect(ttl).toBeLessThanOrEqual(30 * 24 * 60 * 60);
  });

  it('tells a changed viewed channel once, whichever process sees the change', async () => {
    api.channels.set('C0ROADMAP', { id: 'C0ROADMAP', name: 'roadmap', is_member: true });
    api.ai.history.set('C0ROADMAP', [{ ts: '1700000000.000004', text: 'Q3 plans', user: FIXTURE.user }]);
    const thread = nextTs();
    await send(second, threadStarted(thread, FIXTURE.channel));
    await send(first, inThread(thread, 'Hello there'));
    await waitFor('the first turn', () => sink.turns.find((turn) => turn.text.startsWith('Hello there')));
    const changed = threadStarted(thread, 'C0ROADMAP');
    await send(second, {
      ...changed,
      event_id: `Ev${thread.replace('.', '')}C`,
      event: { ...changed.event, type: 'assistant_thread_context_changed' },
    });
    await waitFor('the changed context', async () =>
      (await redis.client.hget(`${PREFIX}:slack:assistant:${FIXTURE.dm}:${thread}`, 'context'))?.includes(
        'C0ROADMAP',
      ),
    );
    await send(first, inThread(thread, 'What is planned?'));
    const planned = await waitFor('the planned turn', () =>
      sink.turns.find((turn) => turn.text.startsWith('What is planned?')),
    );
    expect(planned.text).toContain('#roadmap');
    await send(second, inThread(thread, 'Anything else?'));
    const after = await waitFor('the last turn', () =>
      sink.turns.find((turn) => turn.text.startsWith('Anything else?')),
    );
    expect(after.text).not.toContain('looking at');
  });
});
