import { inflateRawSync } from 'node:zlib';
import { ATTACHMENT_MAX_BYTES, type AttachmentContentType } from '../schemas/attachment.js';

/**
 * Is an uploaded file what its uploader declared? Decided from its first bytes ("magic numbers"),
 * never from its name, and from its size. Pure: the caller reads the bytes (ranged downloads) and
 * this decides. What is checked, per type:
 *
 * - PDF: starts with `%PDF-`.
 * - PNG: starts with the 8-byte PNG signature.
 * - JPEG: starts with FF D8 FF (start of image, then a marker).
 * - DOCX / XLSX: a ZIP file (starts with a local file header, `PK\x03\x04`) whose
 *   `[Content_Types].xml` declares the main part of that kind of document (a Word document, a
 *   workbook; the macro-enabled variants declare another main part and are refused). The entry is
 *   found among the first entries when it is there (Office writes it first), else through the
 *   ZIP's central directory at the end of the file (one more ranged read, see `zipEntryInDirectory`).
 * - Plain text: the first SIGNATURE_HEAD_BYTES are valid UTF-8 without NUL characters (so UTF-16
 *   and binary files are refused). Text beyond them is not read.
 */

/** How much of the start of a file is read to decide (one ranged download). */
export const SIGNATURE_HEAD_BYTES = 64 * 1024;

export type FileVerdict =
  | { kind: 'valid' }
  | { kind: 'invalid'; reason: string }
  /** DOCX/XLSX whose `[Content_Types].xml` is not among the entries in the head: read the central directory. */
  | { kind: 'needs-zip-directory' };

const valid: FileVerdict = { kind: 'valid' };
const invalid = (reason: string): FileVerdict => ({ kind: 'invalid', reason });

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const PDF = Buffer.from('%PDF-', 'latin1');
const ZIP_LOCAL_HEADER = 0x04034b50;
const ZIP_CENTRAL_HEADER = 0x02014b50;
const ZIP_END_OF_DIRECTORY = 0x06054b50;
const CONTENT_TYPES_ENTRY = '[Content_Types].xml';

/** The main part each Office type must declare in [Content_Types].xml. */
const OOXML_MAIN_PARTS: Partial<Record<AttachmentContentType, { label: string; mainPart: string }>> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
    label: 'a Word document (.docx)',
    mainPart: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
    label: 'an Excel workbook (.xlsx)',
    mainPart: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  },
};

/** The size the storage reports against the declared one and the limit. */
export function verifySize(declared: number, actual: number): FileVerdict {
  if (actual > ATTACHMENT_MAX_BYTES) return invalid(`the file is ${actual} bytes, more than the limit of ${ATTACHMENT_MAX_BYTES}`);
  if (actual !== declared) return invalid(`the file is ${actual} bytes, not the ${declared} declared`);
  return valid;
}

/** The file's first bytes (`head`, at most SIGNATURE_HEAD_BYTES) against its declared type. */
export function verifyFileType(contentType: AttachmentContentType, head: Buffer, totalSize: number): FileVerdict {
  switch (contentType) {
    case 'application/pdf':
      return startsWith(head, PDF) ? valid : invalid('the file is not a PDF (it does not start with %PDF-)');
    case 'image/png':
      return startsWith(head, PNG) ? valid : invalid('the file is not a PNG image (no PNG signature)');
    case 'image/jpeg':
      return startsWith(head, JPEG) ? valid : invalid('the file is not a JPEG image (no JPEG start-of-image marker)');
    case 'text/plain':
      return verifyUtf8Text(head, head.length >= totalSize);
    default: {
      if (head.length < 4 || head.readUInt32LE(0) !== ZIP_LOCAL_HEADER) return invalid(`the file is not ${OOXML_MAIN_PARTS[contentType]!.label} (it is not a ZIP package)`);
      const entry = zipEntryInHead(head, CONTENT_TYPES_ENTRY);
      if (entry === 'not-found') return { kind: 'needs-zip-directory' };
      return verifyContentTypes(contentType, entry);
    }
  }
}

/** The verdict on a DOCX/XLSX from its `[Content_Types].xml` entry (as read from the file), or its absence. */
export function verifyContentTypes(contentType: AttachmentContentType, entry: ZipEntry | null): FileVerdict {
  const expected = OOXML_MAIN_PARTS[contentType];
  if (!expected) throw new Error(`${contentType} is not an Office Open XML type`);
  if (!entry) return invalid(`the file is not ${expected.label} (no ${CONTENT_TYPES_ENTRY} in the package)`);
  const xml = inflateEntry(entry);
  if (xml === undefined) return invalid(`the file is not ${expected.label} (its ${CONTENT_TYPES_ENTRY} cannot be read)`);
  // The main part's content type appears as ContentType="…" on an Override; an exact attribute match.
  return xml.includes(`ContentType="${expected.mainPart}"`) ? valid : invalid(`the file is not ${expected.label} (its ${CONTENT_TYPES_ENTRY} declares another kind of document)`);
}

/** One ZIP entry's stored bytes: how it is compressed, and its data (which may be cut short). */
export interface ZipEntry {
  method: number;
  compressedSize: number;
  data: Buffer;
}

/**
 * Walks the local file headers from the start of the file while they lie within `head`. Returns
 * the entry when found with all its data in `head`, 'not-found' when the walk ends without it (the
 * head is used up, or an entry's size is only given after its data, so the walk cannot go on).
 */
export function zipEntryInHead(head: Buffer, name: string): ZipEntry | 'not-found' {
  let offset = 0;
  while (offset + 30 <= head.length && head.readUInt32LE(offset) === ZIP_LOCAL_HEADER) {
    const entry = localEntryAt(head, offset);
    if (!entry) return 'not-found';
    // Bit 3: the sizes follow the data (a data descriptor), so neither this entry's data nor the
    // next header can be placed from here: the central directory knows.
    if ((entry.flags & 0x08) !== 0) return 'not-found';
    if (entry.name === name) return entry.entry.data.length === entry.entry.compressedSize ? entry.entry : 'not-found';
    offset = entry.next;
  }
  return 'not-found';
}

function localEntryAt(buffer: Buffer, offset: number, knownCompressedSize?: number): { name: string; flags: number; entry: ZipEntry; next: number } | undefined {
  if (offset + 30 > buffer.length || buffer.readUInt32LE(offset) !== ZIP_LOCAL_HEADER) return undefined;
  const flags = buffer.readUInt16LE(offset + 6);
  const method = buffer.readUInt16LE(offset + 8);
  const compressedSize = knownCompressedSize ?? buffer.readUInt32LE(offset + 18);
  const nameLength = buffer.readUInt16LE(offset + 26);
  const extraLength = buffer.readUInt16LE(offset + 28);
  const dataStart = offset + 30 + nameLength + extraLength;
  if (dataStart > buffer.length) return undefined;
  const name = buffer.toString('utf8', offset + 30, offset + 30 + nameLength);
  return { name, flags, entry: { method, compressedSize, data: buffer.subarray(dataStart, Math.min(buffer.length, dataStart + compressedSize)) }, next: dataStart + compressedSize };
}

/**
 * Where an entry's local header is, from the ZIP's central directory. `tail` is the end of the file
 * (it must hold the end-of-directory record and the directory itself), starting at `tailOffset`.
 * Returns the offset of the entry's local header, how many bytes to read there and the entry's
 * compressed size (the directory's, which a local header with a data descriptor leaves as 0), or
 * null when the directory has no such entry, or undefined when `tail` is not a ZIP's end.
 */
export function zipEntryInDirectory(tail: Buffer, tailOffset: number, name: string): { offset: number; length: number; compressedSize: number } | null | undefined {
  // The end-of-directory record is 22 bytes plus a comment of up to 64 KiB: search backwards.
  let end = -1;
  for (let index = tail.length - 22; index >= 0 && index >= tail.length - 22 - 0xffff; index--) {
    if (tail.readUInt32LE(index) === ZIP_END_OF_DIRECTORY) {
      end = index;
      break;
    }
  }
  if (end < 0) return undefined;
  const entries = tail.readUInt16LE(end + 10);
  const directoryOffset = tail.readUInt32LE(end + 16) - tailOffset;
  if (directoryOffset < 0 || directoryOffset > end) return undefined;
  let offset = directoryOffset;
  for (let index = 0; index < entries && offset + 46 <= end; index++) {
    if (tail.readUInt32LE(offset) !== ZIP_CENTRAL_HEADER) return undefined;
    const compressedSize = tail.readUInt32LE(offset + 20);
    const nameLength = tail.readUInt16LE(offset + 28);
    const extraLength = tail.readUInt16LE(offset + 30);
    const commentLength = tail.readUInt16LE(offset + 32);
    const localHeader = tail.readUInt32LE(offset + 42);
    if (tail.toString('utf8', offset + 46, offset + 46 + nameLength) === name) {
      // The local header's own name and extra field may differ in length from the directory's: leave room.
      return { offset: localHeader, length: 30 + nameLength + 0xffff + compressedSize, compressedSize };
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return null;
}

/** The entry at the start of `buffer` (read where zipEntryInDirectory said, with its compressed size), complete, or null. */
export function zipEntryAt(buffer: Buffer, compressedSize: number): ZipEntry | null {
  const entry = localEntryAt(buffer, 0, compressedSize);
  return entry && entry.entry.data.length === compressedSize ? entry.entry : null;
}

/** The entry's text, or undefined if it is neither stored nor deflated, or does not inflate. */
function inflateEntry(entry: ZipEntry): string | undefined {
  try {
    if (entry.method === 0) return entry.data.toString('utf8');
    // [Content_Types].xml is a few KiB; the cap only stops a crafted "zip bomb" entry.
    if (entry.method === 8) return inflateRawSync(entry.data, { maxOutputLength: 1024 * 1024 }).toString('utf8');
  } catch {
    return undefined;
  }
  return undefined;
}

function verifyUtf8Text(head: Buffer, whole: boolean): FileVerdict {
  if (head.includes(0)) return invalid('the file is not plain text (it contains NUL characters)');
  try {
    // When the head is only the start of the file, a character cut at its end is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !whole });
  } catch {
    return invalid('the file is not plain text (it is not valid UTF-8)');
  }
  return valid;
}

const startsWith = (buffer: Buffer, prefix: Buffer): boolean => buffer.length >= prefix.length && buffer.subarray(0, prefix.length).equals(prefix);
