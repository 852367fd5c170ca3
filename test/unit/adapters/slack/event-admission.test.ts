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

describe('createEventAdmission', () => {
  it('admits a new event with its draft turn and the options to finish it', () => {
    const admitted = admission().admit(mention('Ev1'), 'Ev1');
    expect(admitted?.draft).toMatchObject({ id: 'C1:1700000000.000100', kind: 'message', text: 'hi' });
    expect(admitted?.base).toEqual({
      team: 'T1',
      botUserId: 'UBOT',
      botId: 'BBOT',
      ignoreBots: true,
      sessionScope: undefined,
    });
    expect(admitted?.turnKey).toBe(`${admitted?.draft.sessionId}|C1:1700000000.000100`);
  });

  it('drops a redelivered event and the `message.*` copy of a mention', () => {
    const gate = admission();
    expect(gate.admit(mention('Ev1'), 'Ev1')).toBeDefined();
    expect(gate.admit(mention('Ev1'), 'Ev1')).toBeUndefined();
    expect(gate.admit(mention('Ev2', 'message'), 'Ev2')).toBeUndefined();
  });

  it('admits a redelivery again once forgotten (the first attempt did not reach the queue)', () => {
    const gate = admission();
    const first = gate.admit(mention('Ev1'), 'Ev1');
    gate.forget('Ev1', first?.turnKey);
    expect(gate.admit(mention('Ev1'), 'Ev1')).toBeDefined();
  });

  it('forgetting only the event still drops a second copy of the message', () => {
    const gate = admission();
    gate.admit(mention('Ev1'), 'Ev1');
    gate.forget('Ev1', undefined);
    expect(gate.admit(mention('Ev1'), 'Ev1')).toBeUndefined();
  });

  it('drops events while the bot user id is unknown, and events that make no turn', () => {
    const gate = admission();
    expect(gate.admit({ ...mention('Ev1'), context: {} }, 'Ev1')).toBeUndefined();
    expect(gate.admit({ ...mention('Ev2'), event: { type: 'reaction_added' } }, 'Ev2')).toBeUndefined();
  });
});
