import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  type CommandOptionLike,
  commandArgs,
  type InteractionLike,
  interactionToTurn,
} from '../../../../adapters/discord/interaction-to-turn.ts';
import type { Turn } from '../../../../src/turn/turn.ts';

const APP = '900000000000000001';
const GUILD = '800000000000000001';
const CHANNEL = '700000000000000001';
const THREAD = '700000000000000777';
const USER = '500000000000000001';
const TOKEN = 'aW50ZXJhY3Rpb24tdG9rZW4';

function interaction(
  commandName: string,
  options: CommandOptionLike[] = [],
  overrides: Partial<InteractionLike> = {},
): InteractionLike {
  return {
    id: '600000000000000001',
    applicationId: APP,
    token: TOKEN,
    commandName,
    options: { data: options },
    guildId: GUILD,
    channelId: CHANNEL,
    channel: { isThread: () => false, parentId: null },
    user: { id: USER, username: 'alice_w', globalName: 'Alice' },
    createdTimestamp: 1_700_000_000_000,
    ...overrides,
  };
}

describe('interactionToTurn', () => {
  it('marks the invoker a platform admin from the permissions Discord sent (Manage Server or Channels)', () => {
    const can = (...flags: bigint[]) => ({ has: (flag: bigint) => flags.includes(flag) });
    const adminWith = (memberPermissions: InteractionLike['memberPermissions']) =>
      interactionToTurn(interaction('persona', [], { memberPermissions }))?.author.isPlatformAdmin;
    expect(adminWith(can(PermissionFlagsBits.ManageGuild))).toBe(true);
    expect(adminWith(can(PermissionFlagsBits.ManageChannels))).toBe(true);
    expect(adminWith(can(PermissionFlagsBits.SendMessages))).toBe(false);
    expect(adminWith(null)).toBe(false);
  });

  it('turns /persona with text into a command turn answering the invoker through the interaction', () => {
    expect(
      interactionToTurn(interaction('persona', [{ name: 'text', value: 'You are a pirate.' }])),
    ).toEqual<Turn>({
      id: '600000000000000001',
      sessionId: `discord:${GUILD}:${CHANNEL}`,
      scopeId: `discord:${GUILD}:${CHANNEL}`,
      kind: 'command',
      command: { name: 'persona', args: 'You are a pirate.' },
      author: { id: USER, name: 'Alice', isPlatformAdmin: false },
      text: '',
      target: {
        platform: 'discord',
        channelId: CHANNEL,
        workspaceId: GUILD,
        invoker: { userId: USER, applicationId: APP, interactionToken: TOKEN },
      },
      receivedAt: 1_700_000_000_000,
    });
  });

  it.each<[string, CommandOptionLike[], string]>([
    ['memory', [], ''],
    ['memory', [{ name: 'action', value: 'clear' }], 'clear'],
    ['persona', [], ''],
    ['persona', [{ name: 'text', value: 'reset' }], 'reset'],
    ['persona', [{ name: 'text', value: '  Speak like Yoda.  ' }], 'Speak like Yoda.'],
    ['usage', [], ''],
    ['export', [], ''],
    ['forget', [], ''],
    ['forget', [{ name: 'confirm', value: true }], 'confirm'],
    ['forget', [{ name: 'confirm', value: false }], ''],
    // A registration with a string option instead of a boolean one works the same.
    ['forget', [{ name: 'confirm', value: 'confirm' }], 'confirm'],
    ['help', [], ''],
  ])('maps /%s %j to args %j', (name, options, args) => {
    const turn = interactionToTurn(interaction(name, options));
    expect(turn?.kind).toBe('command');
    expect(turn?.command).toEqual({ name, args });
    expect(turn?.target.invoker?.interactionToken).toBe(TOKEN);
  });

  it('keeps /reset a reset turn, answered by the ingress itself (no invoker for the worker)', () => {
    const turn = interactionToTurn(interaction('reset'));
    expect(turn?.kind).toBe('reset');
    expect(turn?.command).toBeUndefined();
    expect(turn?.target.invoker).toBeUndefined();
    expect(turn?.scopeId).toBe(`discord:${GUILD}:${CHANNEL}`);
  });

  it('runs a command in a thread on the thread session, scoped to its parent channel', () => {
    const turn = interactionToTurn(
      interaction('usage', [], { channelId: THREAD, channel: { isThread: () => true, parentId: CHANNEL } }),
    );
    expect(turn?.sessionId).toBe(`discord:${GUILD}:${THREAD}`);
    expect(turn?.scopeId).toBe(`discord:${GUILD}:${CHANNEL}`);
    expect(turn?.target).toMatchObject({ channelId: THREAD, threadId: THREAD, workspaceId: GUILD });
  });

  it('runs a command in a DM on the DM session, its own scope', () => {
    const turn = interactionToTurn(
      interaction('export', [], { guildId: null, channel: { isThread: () => false } }),
    );
    expect(turn?.sessionId).toBe(`discord:dm:${CHANNEL}`);
    expect(turn?.scopeId).toBe(`discord:dm:${CHANNEL}`);
    expect(turn?.target).toEqual({
      platform: 'discord',
      channelId: CHANNEL,
      invoker: { userId: USER, applicationId: APP, interactionToken: TOKEN },
    });
  });

  it('names the author by global name, else username', () => {
    const plain = { id: USER, username: 'alice_w', globalName: null };
    expect(interactionToTurn(interaction('help', [], { user: plain }))?.author.name).toBe('alice_w');
  });

  it('returns null for commands Parley does not know and interactions outside a channel', () => {
    expect(interactionToTurn(interaction('weather'))).toBeNull();
    expect(interactionToTurn(interaction('usage', [], { channelId: null }))).toBeNull();
  });
});

describe('commandArgs', () => {
  it('joins values as typed, boolean options by name when true', () => {
    expect(
      commandArgs([
        { name: 'action', value: 'clear' },
        { name: 'confirm', value: true },
        { name: 'quiet', value: false },
        { name: 'count', value: 3 },
        { name: 'empty', value: '  ' },
        { name: 'sub' },
      ]),
    ).toBe('clear confirm 3');
  });
});
