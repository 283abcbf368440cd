import { describe, expect, it } from 'vitest';
import { BASE_SETTINGS } from './base-settings.js';
import { parseSettings, SCHEDULE_DEFAULTS, SETTING, SettingsError } from '../../../shared/config/settings.js';
import { accountNameOf, contentDisposition } from '../../../shared/storage/blob-attachment-storage.js';

const base = BASE_SETTINGS;

describe('attachment settings', () => {
  it('unset: no storage (the routes answer 503), 10-minute upload and 5-minute download URLs, scanning off, the sweep every minute', () => {
    const settings = parseSettings(base);
    expect(settings.attachments).toEqual({ blobServiceUri: undefined, accountKey: undefined, uploadUrlSeconds: 600, downloadUrlSeconds: 300, malwareScanning: 'off' });
    expect(settings.schedules.notesAttachmentsSweep).toBe(SCHEDULE_DEFAULTS[SETTING.notesAttachmentsSweepSchedule]);
  });

  it('set: the Blob service, the lifetimes and Defender scanning', () => {
    const settings = parseSettings({
      ...base,
      [SETTING.attachmentsBlobServiceUri]: 'https://stfdev.blob.core.windows.net/',
      [SETTING.attachmentUploadUrlSeconds]: '120',
      [SETTING.attachmentDownloadUrlSeconds]: '60',
      [SETTING.attachmentsMalwareScanning]: 'defender',
    });
    expect(settings.attachments).toEqual({ blobServiceUri: 'https://stfdev.blob.core.windows.net/', accountKey: undefined, uploadUrlSeconds: 120, downloadUrlSeconds: 60, malwareScanning: 'defender' });
  });

  it('refuses lifetimes outside 1 s - 1 h and an unknown scanning mode, naming each', () => {
    const attempt = () =>
      parseSettings({ ...base, [SETTING.attachmentUploadUrlSeconds]: '0', [SETTING.attachmentDownloadUrlSeconds]: '86400', [SETTING.attachmentsMalwareScanning]: 'maybe' });
    expect(attempt).toThrow(SettingsError);
    expect(attempt).toThrow(new RegExp(`${SETTING.attachmentUploadUrlSeconds}.*${SETTING.attachmentDownloadUrlSeconds}.*${SETTING.attachmentsMalwareScanning}`));
  });
});

describe('what a SAS signs', () => {
  it('the account name: the host label in Azure, the first path segment on an emulator', () => {
    expect(accountNameOf('https://stfdevabc123.blob.core.windows.net/')).toBe('stfdevabc123');
    expect(accountNameOf('http://127.0.0.1:10000/devstoreaccount1')).toBe('devstoreaccount1');
    expect(accountNameOf('http://localhost:10000/devstoreaccount1')).toBe('devstoreaccount1');
  });

  it('Content-Disposition: attachment, an ASCII name without quotes for old clients, the exact name in UTF-8', () => {
    expect(contentDisposition('bundle.pdf')).toBe(`attachment; filename="bundle.pdf"; filename*=UTF-8''bundle.pdf`);
    expect(contentDisposition('Décision "final" (1).pdf')).toBe(`attachment; filename="D_cision _final_ (1).pdf"; filename*=UTF-8''D%C3%A9cision%20%22final%22%20%281%29.pdf`);
  });
});
