import { describe, expect, it } from 'vitest';
import {
  mentionedUserIds,
  slackTextToPlain,
  unnamedChannelIds,
} from '../../../../adapters/slack/slack-text.ts';

describe('slackTextToPlain', () => {
  const names = new Map([['U2', 'Bob']]);

  it('removes the bot mention and a separator after it', () => {
    expect(slackTextToPlain('<@UBOT> hello there', { botUserId: 'UBOT' })).toBe('hello there');
    expect(slackTextToPlain('<@UBOT>, what is 2+2?', { botUserId: 'UBOT' })).toBe('what is 2+2?');
    expect(slackTextToPlain('thanks <@UBOT>!', { botUserId: 'UBOT' })).toBe('thanks !');
  });

  it('turns other mentions into display names, or keeps the id', () => {
    expect(slackTextToPlain('<@UBOT> ask <@U2> and <@U3>', { botUserId: 'UBOT', names })).toBe(
      'ask @Bob and @U3',
    );
    expect(slackTextToPlain('ask <@U4|carol>', { names })).toBe('ask @carol');
  });

  it('renders channels, links, specials and entities', () => {
    expect(slackTextToPlain('in <#C1|general> see <https://x.io|the doc> or <https://y.io>')).toBe(
      'in #general see the doc (https://x.io) or https://y.io',
    );
    expect(slackTextToPlain('<!here> mail <mailto:a@b.c|a@b.c>')).toBe('@here mail a@b.c');
    expect(slackTextToPlain('a &lt;b&gt; &amp;amp; c')).toBe('a <b> &amp; c');
  });

  it('names channels linked without a name from the looked-up names, else keeps the id', () => {
    const channelNames = new Map([['C2', 'random']]);
    expect(slackTextToPlain('see <#C2> and <#C3> and <#C1|general>', { channelNames })).toBe(
      'see #random and #C3 and #general',
    );
    expect(unnamedChannelIds('<#C2> <#C1|general> <#C2> <#G4>')).toEqual(['C2', 'G4']);
  });

  it('lists mentioned users once each', () => {
    expect(mentionedUserIds('<@U1> <@U2|x> <@U1> <@W3>')).toEqual(['U1', 'U2', 'W3']);
  });
});
