import { describe, expect, it } from 'vitest';
import { type SlackMessageEvent, type ToTurnOptions, toTurn } from '../../adapters/slack/to-turn.ts';
import { FIXTURE } from '../fixtures/slack/events.ts';
import { createRandom, type Random } from './random.ts';
import { mutatedSlackEvent } from './slack-events.ts';
import { expectValidTurn } from './turn-invariants.ts';

const SEED = 0x5eed_51ac;
const CASES = 4_000;

function randomOptions(random: Random): ToTurnOptions {
  const names = random.chance(0.3)
    ? new Map([
        [FIXTURE.user, random.string()],
        [random.string(), random.string()],
      ])
    : undefined;
  return {
    team: random.pick([undefined, FIXTURE.team, random.string()]),
    botUserId: random.chance(0.9) ? FIXTURE.botUserId : random.string(),
    botId: random.pick([undefined, FIXTURE.botId, random.string()]),
    ignoreBots: random.chance(0.5),
    names,
    sessionScope: random.pick([undefined, 'thread', 'channel'] as const),
    onIgnore: (reason) => {
      expect(typeof reason).toBe('string');
    },
  };
}

describe('Slack toTurn under random and mutated events', () => {
  it(`never throws and yields null or a well-formed turn (${CASES} seeded cases)`, () => {
    const random = createRandom(SEED);
    const outcomes = { turns: 0, ignored: 0 };
    for (let index = 0; index < CASES; index++) {
      const label = `seed ${SEED}, case ${index}`;
      // Every fifth case is pure junk instead of a mutated Slack event.
      const event = (
        index % 5 === 4 ? (random.chance(0.5) ? random.junk(3) : {}) : mutatedSlackEvent(random)
      ) as SlackMessageEvent;
      const options = randomOptions(random);
      let turn: ReturnType<typeof toTurn>;
      try {
        turn = toTurn((event ?? {}) as SlackMessageEvent, options);
      } catch (error) {
        throw new Error(`${label}: toTurn threw ${String(error)} for ${JSON.stringify(event).slice(0, 500)}`);
      }
      if (turn === null) {
        outcomes.ignored++;
        continue;
      }
      outcomes.turns++;
      expectValidTurn(turn, 'slack', label);
      // The bot's own posts are never turns.
      expect(event.user === options.botUserId && typeof event.user === 'string', label).toBe(false);
      expect(event.bot_id !== undefined && event.bot_id === options.botId, label).toBe(false);
      // The turn id is `<channel>:<ts>`: a redelivery of the same message is the same turn.
      expect(turn.id, label).toBe(`${turn.target.channelId}:${turn.target.replyToMessageId}`);
      // A turn always has a real time (a non-numeric `ts` is dropped, not turned into NaN).
      expect(Number.isFinite(turn.receivedAt), label).toBe(true);
    }
    // The generator must reach both outcomes often, or the test proves little.
    expect(outcomes.turns).toBeGreaterThan(CASES / 10);
    expect(outcomes.ignored).toBeGreaterThan(CASES / 10);
  });

  it('ignores objects that are not events at all (arrays, empty objects, primitives in every field)', () => {
    const options = { team: FIXTURE.team, botUserId: FIXTURE.botUserId, botId: undefined, ignoreBots: true };
    for (const event of [{}, [], [1, 2], { type: 1 }, { type: ['message'] }, { type: 'message', text: 1 }]) {
      expect(toTurn(event as unknown as SlackMessageEvent, options)).toBeNull();
    }
  });
});
