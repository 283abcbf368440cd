import { crc32, deflateRawSync } from 'node:zlib';

/**
 * Small files of each kind the attachments accept, built byte by byte, for the tests: the
 * signatures the checks look for, and well-formed Office Open XML packages (ZIP files with
 * [Content_Types].xml, a relationship part and the main part), in either entry order.
 */

export const SAMPLE_PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
export const SAMPLE_PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea73581e40000000049454e44ae426082', 'hex'),
]);
export const SAMPLE_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'), Buffer.from([0xff, 0xd9])]);
export const SAMPLE_TEXT = Buffer.from('Called the appellant — bundle due Friday.\nReference: 1234567812345678\n', 'utf8');

const WORD_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';
const EXCEL_MAIN = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml';

const contentTypes = (mainPath: string, mainType: string) =>
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  `<Override PartName="/${mainPath}" ContentType="${mainType}"/>` +
  '</Types>';

const rels = (mainPath: string) =>
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="${mainPath}"/>` +
  '</Relationships>';

export interface ZipOptions {
  /** Put [Content_Types].xml last instead of first (then only the central directory finds it). */
  contentTypesLast?: boolean;
  /** Write sizes after each entry's data (general purpose flag bit 3), as streaming zip writers do. */
  dataDescriptors?: boolean;
  /** Bytes of padding in an extra entry placed first (to push the rest past the checked head). */
  paddingBytes?: number;
}

export function sampleDocx(options: ZipOptions = {}): Buffer {
  return officePackage('word/document.xml', WORD_MAIN, '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Bundle</w:t></w:r></w:p></w:body></w:document>', options);
}

export function sampleXlsx(options: ZipOptions = {}): Buffer {
  return officePackage('xl/workbook.xml', EXCEL_MAIN, '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>', options);
}

/** A ZIP that is no Office document at all. */
export function sampleZip(): Buffer {
  return zip([{ name: 'notes.txt', data: Buffer.from('just a zip') }]);
}

function officePackage(mainPath: string, mainType: string, mainXml: string, options: ZipOptions): Buffer {
  const types = { name: '[Content_Types].xml', data: Buffer.from(contentTypes(mainPath, mainType)) };
  const others = [
    { name: '_rels/.rels', data: Buffer.from(rels(mainPath)) },
    { name: mainPath, data: Buffer.from(mainXml) },
  ];
  const padding = options.paddingBytes ? [{ name: 'docProps/padding.bin', data: Buffer.alloc(options.paddingBytes, 0x41), stored: true }] : [];
  const entries = options.contentTypesLast ? [...padding, ...others, types] : [types, ...padding, ...others];
  return zip(entries, options.dataDescriptors);
}

function zip(entries: { name: string; data: Buffer; stored?: boolean }[], dataDescriptors = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.stored ? 0 : 8;
    const compressed = entry.stored ? entry.data : deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    const flags = dataDescriptors ? 0x08 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(dataDescriptors ? 0 : crc, 14);
    local.writeUInt32LE(dataDescriptors ? 0 : compressed.length, 18);
    local.writeUInt32LE(dataDescriptors ? 0 : entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const descriptor = Buffer.alloc(dataDescriptors ? 16 : 0);
    if (dataDescriptors) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(compressed.length, 8);
      descriptor.writeUInt32LE(entry.data.length, 12);
    }
    locals.push(local, name, compressed, descriptor);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length + descriptor.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
