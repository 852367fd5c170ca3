import { describe, expect, it } from 'vitest';
import { detectFileType, guessKind } from '../../../src/attachments/detect-file-type.ts';
import { makeCorruptPdf, makeGif, makeJpeg, makePng, makeTextPdf, makeWebp } from './sample-files.ts';

const text = (value: string) => new TextEncoder().encode(value);

describe('detectFileType', () => {
  it('recognizes images and PDFs by their magic bytes', async () => {
    expect(detectFileType(makePng(2, 2), 'a.png')).toEqual({ kind: 'image', mimeType: 'image/png' });
    expect(detectFileType(makeJpeg(2, 2), 'a.jpg')).toEqual({ kind: 'image', mimeType: 'image/jpeg' });
    expect(detectFileType(makeGif(2, 2), 'a.gif')).toEqual({ kind: 'image', mimeType: 'image/gif' });
    expect(detectFileType(makeWebp(2, 2), 'a.webp')).toEqual({ kind: 'image', mimeType: 'image/webp' });
    expect(detectFileType(await makeTextPdf(['hi']), 'a.pdf')).toEqual({ kind: 'pdf' });
  });

  it('believes the bytes over a wrong name or reported type', () => {
    expect(detectFileType(makePng(2, 2), 'photo.jpg', 'image/jpeg')).toEqual({
      kind: 'image',
      mimeType: 'image/png',
    });
    expect(detectFileType(makeJpeg(2, 2), 'scan', 'application/octet-stream')).toEqual({
      kind: 'image',
      mimeType: 'image/jpeg',
    });
    expect(detectFileType(makeCorruptPdf(), 'notes.txt', 'text/plain')).toEqual({ kind: 'pdf' });
  });

  it('labels text and source files by extension', () => {
    const csv = detectFileType(text('a,b\n1,2\n'), 'report.csv', 'application/vnd.ms-excel');
    expect(csv).toEqual({ kind: 'text', type: { kind: 'csv', language: 'csv', mimeType: 'text/csv' } });
    expect(detectFileType(text('let x = 1;'), 'main.ts')).toMatchObject({
      type: { kind: 'code', language: 'ts' },
    });
    expect(detectFileType(text('print(1)'), 'tool.py')).toMatchObject({
      type: { kind: 'code', language: 'python' },
    });
    expect(detectFileType(text('FROM node:20'), 'Dockerfile')).toMatchObject({
      type: { language: 'dockerfile' },
    });
    expect(detectFileType(text('a: 1'), 'config.YML')).toMatchObject({ type: { kind: 'yaml' } });
    expect(detectFileType(text('2024 INFO up'), 'server.log')).toMatchObject({ type: { kind: 'log' } });
  });

  it('falls back to the reported type, then to sniffing, for text', () => {
    expect(detectFileType(text('{"a":1}'), 'payload', 'application/json')).toMatchObject({
      type: { kind: 'json' },
    });
    expect(detectFileType(text('just some words\nand lines'), 'README')).toEqual({
      kind: 'text',
      type: { kind: 'text', language: '', mimeType: 'text/plain' },
    });
    expect(detectFileType(text('héllo wörld ✓'), 'notes.unknownext')).toMatchObject({ kind: 'text' });
  });

  it('refuses binary content whatever it is named', () => {
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00]);
    expect(detectFileType(zip, 'report.docx')).toEqual({ kind: 'unsupported', description: 'a .docx file' });
    expect(detectFileType(zip, 'notes.txt')).toEqual({
      kind: 'unsupported',
      description: 'a binary file named .txt',
    });
    expect(detectFileType(Uint8Array.from([0, 1, 2, 3, 255]), 'blob')).toEqual({
      kind: 'unsupported',
      description: 'a binary file',
    });
  });

  it('calls a file corrupt when it claims to be an image or PDF and is neither that nor text', () => {
    const junk = Uint8Array.from([0x00, 0x13, 0x37, 0xff, 0xfe, 0x00, 0x01]);
    expect(detectFileType(junk, 'chart.png')).toEqual({ kind: 'corrupt', note: 'not a valid PNG' });
    expect(detectFileType(junk, 'contract', 'application/pdf')).toEqual({
      kind: 'corrupt',
      note: 'not a valid PDF',
    });
  });

  it('reads text with a UTF-16 byte-order mark as text', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('col1,col2\n', 'utf16le')]);
    expect(detectFileType(utf16, 'export')).toMatchObject({ kind: 'text' });
  });
});

describe('guessKind', () => {
  it('guesses from the name and reported type alone', () => {
    expect(guessKind('a.PNG')).toBe('image');
    expect(guessKind('scan', 'image/heic')).toBe('image');
    expect(guessKind('a.pdf')).toBe('pdf');
    expect(guessKind('a.rs')).toBe('text');
    expect(guessKind('a.zip', 'application/zip')).toBe('other');
    expect(guessKind('logo.svg', 'image/svg+xml')).toBe('text');
  });
});
