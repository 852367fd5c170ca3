import { describe, expect, it } from 'vitest';
import { inviteUrl, requiredPermissions } from '../../../../adapters/discord/invite-url.ts';

describe('inviteUrl', () => {
  it('asks for the bot and applications.commands scopes and exactly the permissions the bot needs', () => {
    const url = new URL(inviteUrl('123456789012345678'));
    expect(url.origin + url.pathname).toBe('https://discord.com/oauth2/authorize');
    expect(url.searchParams.get('client_id')).toBe('123456789012345678');
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.toString()).toContain('scope=bot%20applications.commands');
    // View Channels (1<<10), Send Messages (1<<11), Read Message History (1<<16),
    // Create Public Threads (1<<35), Send Messages in Threads (1<<38).
    const expected = (1n << 10n) | (1n << 11n) | (1n << 16n) | (1n << 35n) | (1n << 38n);
    expect(requiredPermissions()).toBe(expected.toString());
    expect(url.searchParams.get('permissions')).toBe(expected.toString());
  });
});
