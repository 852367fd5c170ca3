import { describe, expect, it } from 'vitest';
import { isTrustedResponseUrl } from '../../../../adapters/slack/response-url.ts';

describe('isTrustedResponseUrl', () => {
  it("trusts Slack's own https hosts", () => {
    expect(isTrustedResponseUrl('https://hooks.slack.com/commands/T1/1/abc', undefined)).toBe(true);
    expect(isTrustedResponseUrl('https://hooks.slack-gov.com/commands/T1/1/abc', undefined)).toBe(true);
  });

  it('refuses other hosts, look-alikes, plain http and garbage', () => {
    for (const url of [
      'https://evil.example.com/commands',
      'https://hooks.slack.com.evil.example/x',
      'https://notslack.com/x',
      'http://hooks.slack.com/commands/T1/1/abc',
      'not a url',
    ])
      expect(isTrustedResponseUrl(url, undefined)).toBe(false);
  });

  it('trusts the origin of SLACK_API_URL (proxies, tests), and only that one', () => {
    const api = 'http://127.0.0.1:4000/api/';
    expect(isTrustedResponseUrl('http://127.0.0.1:4000/commands/T1/1/abc', api)).toBe(true);
    expect(isTrustedResponseUrl('http://127.0.0.1:4001/commands/T1/1/abc', api)).toBe(false);
    expect(isTrustedResponseUrl('http://127.0.0.1:4000/x', 'not a url')).toBe(false);
  });
});
