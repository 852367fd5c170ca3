import { deflateSync } from 'node:zlib';
import { PDFDocument, StandardFonts } from 'pdf-lib';

// Real small files, made here so every test knows exactly what they hold.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
  ]);
}

/** A complete, decodable RGB PNG of the given size, filled with one colour. */
export function makePng(
  width: number,
  height: number,
  rgb: [number, number, number] = [200, 30, 30],
): Uint8Array {
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    pngHeader(width, height),
    pngChunk('IDAT', deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A decompression bomb's header: a valid PNG signature and IHDR claiming `width`×`height`, a token IDAT. */
export function makePngBombHeader(width = 100_000, height = 100_000): Uint8Array {
  return Buffer.concat([
    pngHeader(width, height),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A baseline JPEG's markers up to its frame header (SOI, APP0/JFIF, SOF0 with the size, EOI). */
export function makeJpeg(width: number, height: number): Uint8Array {
  const app0 = [
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ];
  const sof0 = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03];
  const components = [0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof0, ...components, 0xff, 0xd9]);
}

/** A GIF89a header, colour table and image descriptor of the given size (pixel data: the classic 1×1 GIF's). */
export function makeGif(width: number, height: number): Uint8Array {
  const le16 = (value: number) => [value & 0xff, value >> 8];
  return Uint8Array.from([
    ...Buffer.from('GIF89a', 'ascii'),
    ...le16(width),
    ...le16(height),
    0x80,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0xff,
    0xff,
    0xff, // two-colour global table
    0x2c,
    ...le16(0),
    ...le16(0),
    ...le16(width),
    ...le16(height),
    0x00,
    0x02,
    0x02,
    0x44,
    0x01,
    0x00, // LZW minimum code size 2, one data block
    0x3b,
  ]);
}

/** A WebP container with a VP8X header giving the canvas size. */
export function makeWebp(width: number, height: number): Uint8Array {
  const le24 = (value: number) => [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff];
  const vp8x = [
    ...Buffer.from('VP8X', 'ascii'),
    10,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...le24(width - 1),
    ...le24(height - 1),
  ];
  const body = [...Buffer.from('WEBP', 'ascii'), ...vp8x];
  const size = body.length;
  return Uint8Array.from([...Buffer.from('RIFF', 'ascii'), size & 0xff, (size >> 8) & 0xff, 0, 0, ...body]);
}

/** A real PDF with one page per given text, in Helvetica. */
export async function makeTextPdf(pages: readonly string[]): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = document.addPage([612, 792]);
    text.split('\n').forEach((line, index) => {
      page.drawText(line, { x: 40, y: 740 - index * 16, size: 11, font });
    });
  }
  return document.save();
}

/** A real PDF whose only page holds a picture: no text layer, as a scanned document. */
export async function makeImageOnlyPdf(): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const image = await document.embedPng(makePng(40, 30));
  const page = document.addPage([300, 300]);
  page.drawImage(image, { x: 20, y: 20, width: 200, height: 150 });
  return document.save();
}

/** Bytes that start like a PDF and are nothing of the kind. */
export function makeCorruptPdf(): Uint8Array {
  return new TextEncoder().encode(
    '%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\ngarbage without xref\n%%EOF',
  );
}
