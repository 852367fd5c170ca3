import { describe, expect, it } from 'vitest';
import { type MessageLike, moveToThread, threadName, toTurn } from '../../adapters/discord/to-turn.ts';
import { createRandom, type Random } from './random.ts';
import { expectValidTurn } from './turn-invariants.ts';

const SEED = 0xd15c_0bd;
const CASES = 4_000;
const BOT = '111111111111111111';

/** A snowflake as Discord sends it: 17–20 digits. */
function snowflake(random: Random): string {
  return String(BigInt(1 + random.int(2 ** 30)) * 2n ** 22n + BigInt(random.int(2 ** 22)));
}

/** An id as Discord could send it, most often a snowflake, sometimes the bot's own. */
function id(random: Random): string {
  return random.chance(0.05) ? BOT : snowflake(random);
}

function content(random: Random): string {
  const parts: string[] = [];
  for (let count = random.int(4); count >= 0; count--) {
    parts.push(random.pick([random.string(), `<@${BOT}>`, `<@!${BOT}>`, `<@${snowflake(random)}>`, '']));
  }
  return parts.join(random.pick([' ', '', '\n', '  ']));
}

/**
 * A message-like object with every field of the type it must have (what discord.js hands over), and random
 * values: empty or huge content, odd names, bots, webhooks, system messages, threads, attachments.
 */
function messageLike(random: Random): MessageLike {
  const mentioned = new Set<string>();
  const text = content(random);
  if (text.includes(`<@${BOT}>`) || text.includes(`<@!${BOT}>`) || random.chance(0.2)) mentioned.add(BOT);
  const attachments = Array.from({ length: random.chance(0.7) ? 0 : 1 + random.int(3) }, () => ({
    id: snowflake(random),
    name: random.string(),
    url: `https://cdn.discordapp.com/attachments/${snowflake(random)}/${snowflake(random)}/${random.string()}`,
    size: random.int(2 ** 24),
    contentType: random.pick([null, 'image/png', 'text/plain', random.string()]),
  }));
  const inThread = random.chance(0.3);
  return {
    id: snowflake(random),
    content: text,
    system: random.chance(0.1),
    createdTimestamp: random.pick([Date.now(), 0, 1_420_070_400_000 + random.int(2 ** 40)]),
    guildId: random.chance(0.4) ? null : snowflake(random),
    channelId: random.chance(0.1) ? random.string() : snowflake(random),
    webhookId: random.chance(0.1) ? snowflake(random) : null,
    author: {
      id: id(random),
      bot: random.chance(0.2),
      username: random.string(),
      globalName: random.chance(0.5) ? random.string() : null,
    },
    member: random.chance(0.5) ? { displayName: random.string() } : null,
    mentions: { users: { has: (user: string) => mentioned.has(user) } },
    attachments: { size: attachments.length, values: () => attachments.values() },
    channel: {
      isThread: () => inThread,
      parentId: random.pick([null, undefined, snowflake(random)]),
    },
  };
}

describe('Discord toTurn under random message-like objects', () => {
  it(`never throws and yields null or a well-formed turn (${CASES} seeded cases)`, () => {
    const random = createRandom(SEED);
    const outcomes = { turns: 0, ignored: 0 };
    for (let index = 0; index < CASES; index++) {
      const label = `seed ${SEED}, case ${index}`;
      const message = messageLike(random);
      const ignoreBots = random.chance(0.7);
      let turn: ReturnType<typeof toTurn>;
      try {
        turn = toTurn(message, { botUserId: BOT, ignoreBots });
      } catch (error) {
        throw new Error(`${label}: toTurn threw ${String(error)}`);
      }
      if (turn === null) {
        outcomes.ignored++;
        continue;
      }
      outcomes.turns++;
      expectValidTurn(turn, 'discord', label);
      expect(turn.id, label).toBe(message.id);
      expect(message.author.id, label).not.toBe(BOT);
      expect(message.system, label).toBe(false);
      if (ignoreBots) expect(message.author.bot || message.webhookId !== null, label).toBe(false);
      // The bot's own mention never reaches the model.
      expect(turn.text, label).not.toContain(`<@${BOT}>`);
      expect(turn.text, label).not.toContain(`<@!${BOT}>`);
      if (message.guildId !== null) {
        // Threads the bot starts: a valid session too, named within Discord's limit.
        const moved = moveToThread(turn, snowflake(random));
        expectValidTurn(moved, 'discord', `${label} (moved to a thread)`);
        expect(moved.scopeId, label).toBe(turn.scopeId);
        const name = threadName(turn.text);
        expect(name.length, label).toBeGreaterThan(0);
        expect(name.length, label).toBeLessThanOrEqual(100);
      }
    }
    expect(outcomes.turns).toBeGreaterThan(CASES / 10);
    expect(outcomes.ignored).toBeGreaterThan(CASES / 10);
  });
});
