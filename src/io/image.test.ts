import { describe, expect, it } from 'vitest';
import { classifyImageFile } from './image';

describe('classifyImageFile', () => {
  it('accepts the five supported formats by MIME type or extension', () => {
    expect(classifyImageFile('a.png', 'image/png')).toEqual({ ok: true, mime: 'image/png' });
    expect(classifyImageFile('a.JPG', '')).toEqual({ ok: true, mime: 'image/jpeg' });
    expect(classifyImageFile('a.webp', '')).toEqual({ ok: true, mime: 'image/webp' });
    expect(classifyImageFile('a.gif', 'image/gif')).toEqual({ ok: true, mime: 'image/gif' });
    expect(classifyImageFile('scan.bmp', '')).toEqual({ ok: true, mime: 'image/bmp' });
  });

  it('names the file and its type when it is not an image', () => {
    expect(classifyImageFile('notes.txt', 'text/plain')).toEqual({ ok: false, reason: '“notes.txt” is a text/plain file, not a JPEG, PNG, WebP, GIF or BMP image.' });
    expect(classifyImageFile('scan.tiff', '')).toEqual({ ok: false, reason: '“scan.tiff” is a .tiff file, not a JPEG, PNG, WebP, GIF or BMP image.' });
    expect(classifyImageFile('README', '')).toEqual({ ok: false, reason: '“README” is a file of unknown type, not a JPEG, PNG, WebP, GIF or BMP image.' });
  });
});
