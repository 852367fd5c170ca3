import { describe, expect, it } from 'vitest';
import {
  needsFileInfo,
  slackAttachmentsOf,
  slackFileToAttachment,
} from '../../../../adapters/slack/slack-files.ts';
import { toTurn } from '../../../../adapters/slack/to-turn.ts';
import { directMessage, FIXTURE } from '../../../fixtures/slack/events.ts';

const FILE = {
  id: 'F04EEHX1EES',
  name: 'notes.txt',
  title: 'notes.txt',
  mimetype: 'text/plain',
  size: 12,
  url_private: 'https://files.slack.com/files-pri/T1-F04EEHX1EES/notes.txt',
  url_private_download: 'https://files.slack.com/files-pri/T1-F04EEHX1EES/download/notes.txt',
  file_access: 'visible',
};
const STUB = { id: 'F0CONNECT1', mode: 'file_access', file_access: 'check_file_info', created: 0, user: '' };

describe('slackFileToAttachment', () => {
  it('takes name, type, size, id and url_private_download, with no credentials', () => {
    expect(slackFileToAttachment(FILE)).toEqual({
      name: 'notes.txt',
      mimeType: 'text/plain',
      sizeBytes: 12,
      source: { type: 'url', url: FILE.url_private_download },
      fileId: 'F04EEHX1EES',
      platform: 'slack',
    });
    expect(needsFileInfo(FILE)).toBe(false);
  });

  it('falls back to url_private, but never to the link of an external file (the token stays on Slack)', () => {
    const { url_private_download: _download, ...withoutDownload } = FILE;
    expect(slackFileToAttachment(withoutDownload).source).toEqual({ type: 'url', url: FILE.url_private });
    const external = { ...withoutDownload, is_external: true, url_private: 'https://docs.google.com/x' };
    expect(slackFileToAttachment(external).source).toEqual({ type: 'url', url: '' });
    expect(needsFileInfo(external)).toBe(true);
  });

  it('completes a Slack Connect stub with what files.info said; without it keeps the id as its name', () => {
    expect(needsFileInfo(STUB)).toBe(true);
    expect(slackFileToAttachment(STUB)).toEqual({
      name: 'F0CONNECT1',
      source: { type: 'url', url: '' },
      fileId: 'F0CONNECT1',
      platform: 'slack',
    });
    const info = { ...FILE, id: 'F0CONNECT1', file_access: 'visible' };
    expect(slackFileToAttachment(STUB, info)).toMatchObject({
      name: 'notes.txt',
      source: { type: 'url', url: FILE.url_private_download },
      fileId: 'F0CONNECT1',
    });
  });

  it('drops what is not well formed: odd sizes, empty strings, non-objects; keeps files past ten for the worker to name', () => {
    const odd = { ...FILE, size: -1, mimetype: '', name: '', title: 'From title' };
    expect(slackFileToAttachment(odd)).toEqual({
      name: 'From title',
      source: { type: 'url', url: FILE.url_private_download },
      fileId: 'F04EEHX1EES',
      platform: 'slack',
    });
    expect(slackAttachmentsOf('files', undefined)).toEqual([]);
    expect(slackAttachmentsOf([null, 3, FILE], undefined)).toHaveLength(1);
    expect(
      slackAttachmentsOf(
        Array.from({ length: 12 }, () => FILE),
        undefined,
      ),
    ).toHaveLength(12);
    expect(
      slackAttachmentsOf(
        Array.from({ length: 150 }, () => FILE),
        undefined,
      ),
    ).toHaveLength(100);
  });
});

describe('toTurn with files', () => {
  const options = {
    team: FIXTURE.team,
    botUserId: FIXTURE.botUserId,
    botId: FIXTURE.botId,
    ignoreBots: true,
  };

  it('answers a file_share of files alone (empty or missing text) with the files attached', () => {
    const { event } = directMessage({ subtype: 'file_share', text: '', files: [FILE] });
    const turn = toTurn(event, options);
    expect(turn).toMatchObject({ kind: 'message', text: '' });
    expect(turn?.attachments).toEqual([slackFileToAttachment(FILE)]);
    const { text: _text, ...withoutText } = event;
    expect(toTurn(withoutText, options)?.attachments).toHaveLength(1);
    expect(JSON.stringify(turn)).not.toMatch(/xox|authorization|bearer|headers/i);
  });

  it('uses files.info answers given as fileInfo', () => {
    const { event } = directMessage({ text: 'see this', files: [STUB] });
    const fileInfo = new Map([['F0CONNECT1', { ...FILE, id: 'F0CONNECT1' }]]);
    expect(toTurn(event, { ...options, fileInfo })?.attachments?.[0]?.source).toEqual({
      type: 'url',
      url: FILE.url_private_download,
    });
  });

  it('still ignores a message with neither text nor files, and gives no attachments key without files', () => {
    expect(toTurn(directMessage({ text: '' }).event, options)).toBeNull();
    expect(toTurn(directMessage({ text: '', files: [] }).event, options)).toBeNull();
    const { text: _text, ...noText } = directMessage().event;
    expect(toTurn(noText, options)).toBeNull();
    expect(toTurn(directMessage({ text: 'hi' }).event, options)).not.toHaveProperty('attachments');
  });
});
