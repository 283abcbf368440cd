import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEAD_BYTES,
  verifyContentTypes,
  verifyFileType,
  verifySize,
  zipEntryAt,
  zipEntryInDirectory,
  type FileVerdict,
} from '../../../shared/domain/file-signature.js';
import { ATTACHMENT_MAX_BYTES, type AttachmentContentType } from '../../../shared/schemas/attachment.js';
import { SAMPLE_JPEG, SAMPLE_PDF, SAMPLE_PNG, SAMPLE_TEXT, sampleDocx, sampleXlsx, sampleZip } from '../../support/sample-files.js';

const DOCX: AttachmentContentType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX: AttachmentContentType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What the use case does: the head first, then (for an Office file whose types entry is not there) the ZIP directory. */
function verdictOf(contentType: AttachmentContentType, file: Buffer): FileVerdict {
  const head = file.subarray(0, SIGNATURE_HEAD_BYTES);
  const first = verifyFileType(contentType, head, file.length);
  if (first.kind !== 'needs-zip-directory') return first;
  const tailOffset = Math.max(0, file.length - SIGNATURE_HEAD_BYTES);
  const location = zipEntryInDirectory(file.subarray(tailOffset), tailOffset, '[Content_Types].xml');
  if (!location) return verifyContentTypes(contentType, null);
  return verifyContentTypes(contentType, zipEntryAt(file.subarray(location.offset, location.offset + location.length), location.compressedSize));
}

describe('file type checks (magic bytes, not names)', () => {
  const accepted: [AttachmentContentType, Buffer][] = [
    ['application/pdf', SAMPLE_PDF],
    ['image/png', SAMPLE_PNG],
    ['image/jpeg', SAMPLE_JPEG],
    ['text/plain', SAMPLE_TEXT],
    [DOCX, sampleDocx()],
    [XLSX, sampleXlsx()],
  ];
  for (const [type, file] of accepted) {
    it(`accepts a real ${type}`, () => expect(verdictOf(type, file)).toEqual({ kind: 'valid' }));
  }

  it('refuses every other kind of file under each declared type', () => {
    for (const [declared] of accepted) {
      for (const [actual, file] of accepted) {
        if (actual === declared || (declared === 'text/plain' && actual === 'application/pdf')) continue;
        expect(verdictOf(declared, file).kind, `${actual} declared as ${declared}`).toBe('invalid');
      }
    }
  });

  it('names what is wrong', () => {
    expect(verdictOf('application/pdf', SAMPLE_PNG)).toEqual({ kind: 'invalid', reason: 'the file is not a PDF (it does not start with %PDF-)' });
    expect(verdictOf(DOCX, sampleXlsx())).toEqual({ kind: 'invalid', reason: 'the file is not a Word document (.docx) (its [Content_Types].xml declares another kind of document)' });
    expect(verdictOf(DOCX, sampleZip())).toEqual({ kind: 'invalid', reason: 'the file is not a Word document (.docx) (no [Content_Types].xml in the package)' });
    expect(verdictOf(XLSX, SAMPLE_PDF)).toEqual({ kind: 'invalid', reason: 'the file is not an Excel workbook (.xlsx) (it is not a ZIP package)' });
  });

  it('plain text is UTF-8 without NULs: UTF-16, binary and broken UTF-8 are refused', () => {
    expect(verdictOf('text/plain', Buffer.from('\ufeffhello', 'utf16le')).kind).toBe('invalid');
    expect(verdictOf('text/plain', Buffer.from([0x68, 0x69, 0xc3, 0x28])).kind).toBe('invalid');
    expect(verdictOf('text/plain', Buffer.from([0x68, 0x00, 0x69])).kind).toBe('invalid');
  });

  it('a character cut at the end of the head of a longer text file is not an error', () => {
    const text = Buffer.from('é'.repeat(SIGNATURE_HEAD_BYTES), 'utf8'); // 2 bytes each: the head ends inside one only if odd
    const head = Buffer.concat([Buffer.from('x'), text]).subarray(0, SIGNATURE_HEAD_BYTES);
    expect(verifyFileType('text/plain', head, head.length + 1000)).toEqual({ kind: 'valid' });
    // The same cut at the true end of the file is broken UTF-8.
    expect(verifyFileType('text/plain', head, head.length).kind).toBe('invalid');
  });

  it('finds [Content_Types].xml through the ZIP directory when it is not among the first entries', () => {
    const streamed = sampleDocx({ contentTypesLast: true, dataDescriptors: true, paddingBytes: SIGNATURE_HEAD_BYTES + 10 });
    expect(streamed.length).toBeGreaterThan(SIGNATURE_HEAD_BYTES);
    expect(verifyFileType(DOCX, streamed.subarray(0, SIGNATURE_HEAD_BYTES), streamed.length)).toEqual({ kind: 'needs-zip-directory' });
    expect(verdictOf(DOCX, streamed)).toEqual({ kind: 'valid' });
    expect(verdictOf(XLSX, streamed).kind).toBe('invalid');
    expect(verdictOf(DOCX, sampleDocx({ dataDescriptors: true }))).toEqual({ kind: 'valid' });
  });

  it('size: exactly the declared size, and never above the limit', () => {
    expect(verifySize(10, 10)).toEqual({ kind: 'valid' });
    expect(verifySize(10, 11)).toEqual({ kind: 'invalid', reason: 'the file is 11 bytes, not the 10 declared' });
    expect(verifySize(ATTACHMENT_MAX_BYTES, ATTACHMENT_MAX_BYTES + 1).kind).toBe('invalid');
  });
});
