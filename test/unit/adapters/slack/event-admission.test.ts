import { describe, expect, it } from 'vitest';
import { createEventAdmission } from '../../../../adapters/slack/event-admission.ts';
import type { IncomingSlackEvent } from '../../../../adapters/slack/message-handler.ts';
import { createLogger } from '../../../../src/app/logger.ts';

const admission = () =>
  createEventAdmission({ logger: createLogger('silent'), ignoreBots: true, sessionScope: undefined });

function mention(eventId: string, type = 'app_mention'): IncomingSlackEvent {
  return {
    event: { type, user: 'U1', text: '<@UBOT> hi', ts: '1700000000.000100', channel: 'C1' },
    body: { event_id: eventId, team_id: 'T1' },
    context: { botUserId: 'UBOT', botId: 'BBOT' },
  };
}

/** Whether the promise is still pending after everything already queued has run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

describe('createEventAdmission', () => {
  it('admits a new event with its draft turn and the options to finish it', async () => {
    const admitted = await admission().admit(mention('Ev1'), 'Ev1');
    expect(admitted?.draft).toMatchObject({ id: 'C1:1700000000.000100', kind: 'message', text: 'hi' });
    expect(admitted?.base).toEqual({
      team: 'T1',
      botUserId: 'UBOT',
      botId: 'BBOT',
      ignoreBots: true,
      sessionScope: undefined,
      followUps: false,
      eventId: 'Ev1',
    });
    expect(admitted?.turnKey).toBe(`${admitted?.draft.sessionId}|C1:1700000000.000100`);
  });

  it('drops a redelivered event and the `message.*` copy of a mention once the turn is queued', async () => {
    const gate = admission();
    (await gate.admit(mention('Ev1'), 'Ev1'))?.settle(true);
    expect(await gate.admit(mention('Ev1'), 'Ev1')).toBeUndefined();
    expect(await gate.admit(mention('Ev2', 'message'), 'Ev2')).toBeUndefined();
  });

  it('admits a redelivery again when the first attempt did not reach the queue', async () => {
    const gate = admission();
    (await gate.admit(mention('Ev1'), 'Ev1'))?.settle(false);
    const again = await gate.admit(mention('Ev1'), 'Ev1');
    expect(again?.draft.id).toBe('C1:1700000000.000100');
    // And the `message.*` copy of the same message, had it come instead.
    again?.settle(false);
    expect(await gate.admit(mention('Ev2', 'message'), 'Ev2')).toBeDefined();
  });

  it('holds a copy that arrives while the first is being queued, and drops it once that succeeds', async () => {
    const gate = admission();
    const first = await gate.admit(mention('Ev1'), 'Ev1');
    const redelivery = gate.admit(mention('Ev1'), 'Ev1');
    const copy = gate.admit(mention('Ev2', 'message'), 'Ev2');
    expect(await isPending(redelivery)).toBe(true);
    expect(await isPending(copy)).toBe(true);
    first?.settle(true);
    expect(await redelivery).toBeUndefined();
    expect(await copy).toBeUndefined();
  });

  it('lets one held copy take over when the first attempt fails', async () => {
    const gate = admission();
    const first = await gate.admit(mention('Ev1'), 'Ev1');
    const redelivery = gate.admit(mention('Ev1'), 'Ev1');
    const copy = gate.admit(mention('Ev2', 'message'), 'Ev2');
    first?.settle(false);
    const takeover = await redelivery;
    expect(takeover?.draft.id).toBe('C1:1700000000.000100');
    // The copy waits for the take-over in turn, and is dropped once it is queued.
    expect(await isPending(copy)).toBe(true);
    takeover?.settle(true);
    expect(await copy).toBeUndefined();
  });

  it('remembers an event that makes no turn (deliberately ignored), but not one it could not judge', async () => {
    const gate = admission();
    const ignored = { ...mention('Ev1'), event: { type: 'reaction_added' } };
    expect(await gate.admit(ignored, 'Ev1')).toBeUndefined();
    // The same id is now a redelivery: dropped before it is even looked at.
    expect(await gate.admit(mention('Ev1'), 'Ev1')).toBeUndefined();
    expect(await gate.admit({ ...mention('Ev2'), context: {} }, 'Ev2')).toBeUndefined();
    expect(await gate.admit(mention('Ev2'), 'Ev2')).toBeDefined();
  });
});
