import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordIngress } from '../../../adapters/discord/index.ts';
import { silentLogger } from '../../../src/app/logger.ts';
import type { PlatformIngress } from '../../../src/turn/platform-ingress.ts';
import type { Author } from '../../../src/turn/turn.ts';
import { type FakeDiscord, type FakeUser, startFakeDiscord } from '../../fakes/fake-discord.ts';
import { fakeDiscordConfig } from '../../fakes/fake-discord-config.ts';
import { createRecordingSink, type RecordingSink } from '../../fakes/recording-sink.ts';

// Discord's own admins count as Parley's: Manage Server in the guild, or Manage Channels where they write.
// discord.js computes that from the guild's roles and the channel's overwrites, as the gateway sent them.

let fake: FakeDiscord;
let sink: RecordingSink;
let ingress: PlatformIngress;
let bob: FakeUser;
let opsChannel: string;

beforeAll(async () => {
  fake = await startFakeDiscord();
  sink = createRecordingSink();
  ingress = createDiscordIngress({
    config: fakeDiscordConfig(fake, { guildId: fake.guildId }),
    sink,
    logger: silentLogger,
  });
  await ingress.start();
  bob = fake.user('bob');
  const manageChannels = PermissionFlagsBits.ManageChannels.toString();
  opsChannel = fake.addTextChannel('ops', [{ id: bob.id, type: 1, allow: manageChannels, deny: '0' }]);
});

afterAll(async () => {
  await ingress?.stop();
  await fake?.close();
});

/** The author of the turn made of a mention of the bot by `author` (in `#general` unless `channel_id`). */
async function mentionBy(author: FakeUser, extra: { channel_id?: string; roles?: string[] } = {}) {
  const sent = fake.sendMessageCreate({ author, content: `${fake.mention} persona Be brief.`, ...extra });
  return (await sink.waitFor((turn) => turn.id === sent.id)).author;
}

async function commandBy(input: Parameters<FakeDiscord['sendInteraction']>[0]): Promise<Author> {
  const interaction = fake.sendInteraction({ name: 'persona', ...input });
  return (await sink.waitFor((turn) => turn.id === interaction.id)).author;
}

describe('Discord platform admins (discord.js on the fake gateway)', () => {
  it('counts the guild owner, and not an ordinary member', async () => {
    expect((await mentionBy(fake.owner)).isPlatformAdmin).toBe(true);
    expect(await mentionBy(fake.alice)).toMatchObject({ id: fake.alice.id, isPlatformAdmin: false });
  });

  it('counts members whose role has Manage Server or Administrator, not one with lesser rights', async () => {
    const mods = fake.addRole('mods', PermissionFlagsBits.ManageGuild);
    const admins = fake.addRole('admins', PermissionFlagsBits.Administrator);
    const helpers = fake.addRole('helpers', PermissionFlagsBits.ManageMessages);
    expect((await mentionBy(fake.user('mo'), { roles: [mods] })).isPlatformAdmin).toBe(true);
    expect((await mentionBy(fake.user('ad'), { roles: [admins] })).isPlatformAdmin).toBe(true);
    expect((await mentionBy(fake.user('he'), { roles: [helpers] })).isPlatformAdmin).toBe(false);
  });

  it('counts Manage Channels only in the channel (and its threads) that grants it', async () => {
    expect((await mentionBy(bob, { channel_id: opsChannel })).isPlatformAdmin).toBe(true);
    const thread = fake.addThread('ops questions', opsChannel);
    expect((await mentionBy(bob, { channel_id: thread })).isPlatformAdmin).toBe(true);
    expect((await mentionBy(bob)).isPlatformAdmin).toBe(false);
  });

  it('counts nobody in a DM, where there is no server to administer', async () => {
    const sent = fake.sendMessageCreate({ author: fake.owner, dm: true, content: 'persona Be brief.' });
    expect((await sink.waitFor((turn) => turn.id === sent.id)).author.isPlatformAdmin).toBe(false);
  });

  it('reads slash commands from the permissions Discord sends with the interaction', async () => {
    expect((await commandBy({ permissions: PermissionFlagsBits.ManageChannels })).isPlatformAdmin).toBe(true);
    expect((await commandBy({ permissions: PermissionFlagsBits.ManageGuild })).isPlatformAdmin).toBe(true);
    expect((await commandBy({})).isPlatformAdmin).toBe(false);
    expect((await commandBy({ dm: true })).isPlatformAdmin).toBe(false);
  });
});
