import { describe, expect, it } from 'vitest';
import { markdownToMrkdwn } from '../../../../adapters/slack/markdown-to-mrkdwn.ts';

describe('markdownToMrkdwn', () => {
  it.each([
    ['**bold**', '*bold*'],
    ['__bold__', '*bold*'],
    ['*italic*', '_italic_'],
    ['_italic_', '_italic_'],
    ['***both***', '*_both_*'],
    ['~~gone~~', '~gone~'],
    ['a **b** and *c* and ~~d~~', 'a *b* and _c_ and ~d~'],
    ['[docs](https://example.com/a?b=1&c=2)', '<https://example.com/a?b=1&c=2|docs>'],
    ['![chart](https://example.com/c.png)', '<https://example.com/c.png|chart>'],
    ['[https://x.io](https://x.io)', '<https://x.io>'],
    ['see <https://example.com>', 'see <https://example.com>'],
    ['# Title', '*Title*'],
    ['### A **bold** *title* ##', '*A bold _title_*'],
    ['- one\n* two\n+ three', '• one\n• two\n• three'],
    ['  - nested', '  • nested'],
    ['- [ ] todo\n- [x] done', '• ☐ todo\n• ☑ done'],
    ['> quoted **text**', '&gt; quoted *text*'],
    ['1 < 2 && 3 > 2', '1 &lt; 2 &amp;&amp; 3 &gt; 2'],
    ['2 * 3 * 4', '2 * 3 * 4'],
    ['snake_case_name', 'snake_case_name'],
    ['---', '──────────'],
    ['hi <@U123> and <#C1|general>', 'hi <@U123> and <#C1|general>'],
  ])('%j → %j', (input, expected) => {
    expect(markdownToMrkdwn(input)).toBe(expected);
  });

  it('leaves inline code alone except for escaping', () => {
    expect(markdownToMrkdwn('use `**not bold**` and `a<b>` here **yes**')).toBe(
      'use `**not bold**` and `a&lt;b&gt;` here *yes*',
    );
  });

  it('leaves fenced code alone except for escaping, keeping the language', () => {
    const input = [
      'Run:',
      '```ts',
      'const a = **b** && c < d; // *x*',
      '# not a heading',
      '```',
      'after *it*',
    ].join('\n');
    expect(markdownToMrkdwn(input)).toBe(
      [
        'Run:',
        '```ts',
        'const a = **b** &amp;&amp; c &lt; d; // *x*',
        '# not a heading',
        '```',
        'after _it_',
      ].join('\n'),
    );
  });

  it('turns ~~~ fences into ``` and closes a fence left open by a reply still streaming', () => {
    expect(markdownToMrkdwn('~~~py\nprint(1)\n~~~')).toBe('```py\nprint(1)\n```');
    expect(markdownToMrkdwn('text\n```js\nlet a = 1')).toBe('text\n```js\nlet a = 1\n```');
  });

  it('does not convert link-like text inside code', () => {
    expect(markdownToMrkdwn('`[a](b)`')).toBe('`[a](b)`');
  });

  it('escapes the label of a link but not its url', () => {
    expect(markdownToMrkdwn('[a < b](https://x.io/?q=a&b)')).toBe('<https://x.io/?q=a&b|a &lt; b>');
  });

  it.each([
    ['<!channel> the build is red', '@channel the build is red'],
    ['<!here|here> look', '@here look'],
    ['<!here|@here> look', '@here look'],
    ['ping <!everyone>!', 'ping @everyone!'],
    ['ask <!subteam^S0123|@devs> about it', 'ask @devs about it'],
    ['ask <!subteam^S0123>', 'ask @subteam'],
    ['**<!channel>** now', '*@channel* now'],
    ['- <!here> in a list', '• @here in a list'],
  ])('writes the broadcast in %j as plain text: %j', (input, expected) => {
    expect(markdownToMrkdwn(input)).toBe(expected);
    expect(markdownToMrkdwn(input)).not.toContain('<!');
  });

  it('keeps user and channel mentions, which notify only the one person (or nobody)', () => {
    expect(markdownToMrkdwn('<!here> <@U123> in <#C1|general>')).toBe('@here <@U123> in <#C1|general>');
  });

  it('keeps broadcasts as real pings when the operator allows them', () => {
    const text = '<!channel> and <!subteam^S0123|@devs>';
    expect(markdownToMrkdwn(text, { allowBroadcastMentions: true })).toBe(text);
  });

  it('leaves plain @channel words alone (Slack pings only through <!…> without link_names)', () => {
    expect(markdownToMrkdwn('@channel @here @everyone')).toBe('@channel @here @everyone');
  });
});
