import { describe, expect, it } from 'vitest';
import {
  isTrustedHost,
  keepsAuthorization,
  SLACK_FILE_HOSTS,
  withoutCredentials,
} from '../../../src/attachments/authorization-redirect.ts';

const url = (text: string) => new URL(text);

describe('keepsAuthorization', () => {
  it('keeps the token on the same origin', () => {
    expect(keepsAuthorization(url('http://127.0.0.1:8080/a'), url('http://127.0.0.1:8080/b?x=1'))).toBe(true);
  });

  it("keeps it between Slack's file hosts over https", () => {
    const from = url('https://files.slack.com/files-pri/T1-F1/download/a.pdf');
    expect(keepsAuthorization(from, url('https://files-origin.slack.com/files-pri/T1-F1/a.pdf'))).toBe(true);
    expect(keepsAuthorization(from, url('https://slack.com/files/a.pdf'))).toBe(true);
  });

  it('drops it for any other host, port or scheme', () => {
    const from = url('https://files.slack.com/files-pri/T1-F1/download/a.pdf');
    expect(keepsAuthorization(from, url('https://slack-files.s3.amazonaws.com/a.pdf'))).toBe(false);
    expect(keepsAuthorization(from, url('https://evilslack.com/a.pdf'))).toBe(false);
    expect(keepsAuthorization(from, url('https://files.slack.com.evil.example/a.pdf'))).toBe(false);
    expect(keepsAuthorization(url('http://127.0.0.1:8080/a'), url('http://127.0.0.1:8081/a'))).toBe(false);
  });

  it('never follows a downgrade to http, even on the same host', () => {
    expect(keepsAuthorization(url('https://files.slack.com/a'), url('http://files.slack.com/a'))).toBe(false);
  });

  it('trusts only the hosts it is given', () => {
    expect(
      keepsAuthorization(url('https://a.example/x'), url('https://cdn.example/y'), ['cdn.example']),
    ).toBe(true);
    expect(
      keepsAuthorization(url('https://a.example/x'), url('https://files.slack.com/y'), ['cdn.example']),
    ).toBe(false);
    expect(isTrustedHost('FILES.SLACK.COM', SLACK_FILE_HOSTS)).toBe(true);
  });
});

describe('withoutCredentials', () => {
  it('drops Authorization and Cookie in any case and keeps the rest', () => {
    expect(withoutCredentials({ authorization: 'Bearer x', Cookie: 'd=1', Accept: '*/*' })).toEqual({
      Accept: '*/*',
    });
  });
});
