import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ChangedMessageSession,
  deleteToTurn,
  editToTurn,
  type RawMessageChange,
} from '../../../../adapters/discord/message-change-to-turn.ts';

const BOT = '100000000000000001';
const recorded = JSON.parse(
  readFileSync(
    new URL(
      '../../../../../shared/fixtures/real-payloads/discord/serenity-message-update.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as { payload: RawMessageChange & Record<string, unknown> };
const update = recorded.payload;
const dm: ChangedMessageSession = {
  sessionId: 'discord:dm:244567637332328449',
  scopeId: 'discord:dm:244567637332328449',
  target: { platform: 'discord', channelId: '244567637332328449' },
};

describe('editToTurn', () => {
  it('makes an edit turn of a recorded MESSAGE_UPDATE, its id naming the edit', () => {
    const editedAt = Date.parse('2017-04-15T21:30:43.074233+00:00');
    expect(editToTurn(update, BOT, dm)).toEqual({
      id: `302917639565475840-edit-${editedAt}`,
      ...dm,
      kind: 'edit',
      messageRef: '302917639565475840',
      targetRef: '302917639565475840',
      author: { id: '114941315417899012', name: 'zeyla', isPlatformAdmin: false },
      text: 'b',
      receivedAt: editedAt,
    });
  });

  it('names the author by nickname and strips the mention of the bot; files stay out (an edit changes the text)', () => {
    const withFile = {
      ...update,
      guild_id: '1',
      member: { nick: 'Zee' },
      content: `<@${BOT}> b`,
      attachments: [{ id: '7', filename: 'a.png', url: 'https://cdn.discordapp.com/attachments/1/7/a.png' }],
    } as RawMessageChange;
    const turn = editToTurn(withFile, BOT, dm);
    expect(turn).toMatchObject({ author: { name: 'Zee' }, text: 'b' });
    expect(turn).not.toHaveProperty('attachments');
    // A file alone is no text to edit to.
    expect(editToTurn({ ...withFile, content: `<@${BOT}>` }, BOT, dm)).toBeNull();
  });

  it('ignores bots, webhooks, updates that are no edits, unreadable text and foreign ids', () => {
    const ignored: RawMessageChange[] = [
      { ...update, author: { ...update.author, bot: true } },
      { ...update, author: { ...update.author, id: BOT } },
      { ...update, webhook_id: '5' },
      { ...update, edited_timestamp: null },
      { ...update, content: '' },
      { ...update, content: `<@${BOT}>` },
      { ...update, author: undefined },
      { ...update, channel_id: '../x' },
      { ...update, id: 42 },
    ];
    for (const data of ignored) expect(editToTurn(data, BOT, dm)).toBeNull();
  });
});

describe('deleteToTurn', () => {
  it('makes one delete turn per message, with an unknown author', () => {
    const turn = deleteToTurn({ id: '302917639565475840', channel_id: '244567637332328449' }, dm, 5);
    expect(turn).toEqual({
      id: '302917639565475840-delete',
      ...dm,
      kind: 'delete',
      messageRef: '302917639565475840',
      targetRef: '302917639565475840',
      author: { id: 'unknown', name: 'unknown', isPlatformAdmin: false },
      text: '',
      receivedAt: 5,
    });
    expect(deleteToTurn({ id: 'x y', channel_id: '1' }, dm, 5)).toBeNull();
  });
});
