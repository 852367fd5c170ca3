import { describe, expect, it } from 'vitest';
import { startFakeSlackApi } from '../../fakes/fake-slack-api.ts';
import { createRecordingSink } from '../../fakes/recording-sink.ts';
import { freePort } from '../../helpers/redis-server.ts';
import { createTestSlackIngress } from '../../helpers/test-slack-ingress.ts';

describe('Slack start-up errors name their cause', () => {
  it('a host that refuses connections is named, with the cause, and the token is not blamed', async () => {
    const port = await freePort();
    const ingress = createTestSlackIngress({
      apiUrl: `http://127.0.0.1:${port}/api/`,
      config: { signingSecret: 'secret' },
      sink: createRecordingSink(),
    });
    const error = await ingress.start().then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(error?.message).toContain(`could not reach 127.0.0.1:${port}`);
    expect(error?.message).toContain('ECONNREFUSED');
    expect(error?.message).not.toContain('SLACK_BOT_TOKEN');
    await ingress.stop();
  });

  it('a host name that does not resolve says so', async () => {
    const ingress = createTestSlackIngress({
      apiUrl: 'http://slack-api.invalid/api/',
      config: { signingSecret: 'secret' },
      sink: createRecordingSink(),
    });
    const error = await ingress.start().catch((failure: unknown) => failure as Error);
    expect(error?.message).toMatch(/could not reach slack-api\.invalid \((ENOTFOUND|EAI_AGAIN)/);
    await ingress.stop();
  });

  it('a token Slack rejects still points at SLACK_BOT_TOKEN', async () => {
    const api = await startFakeSlackApi();
    api.failNext('auth.test', 1, { ok: false, error: 'invalid_auth' });
    const ingress = createTestSlackIngress({
      apiUrl: api.url,
      config: { signingSecret: 'secret' },
      sink: createRecordingSink(),
    });
    const error = await ingress.start().catch((failure: unknown) => failure as Error);
    expect(error?.message).toBe('Slack auth.test failed: invalid_auth (check SLACK_BOT_TOKEN)');
    await ingress.stop();
    await api.close();
  });
});
