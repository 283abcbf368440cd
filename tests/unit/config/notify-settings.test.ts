import { describe, expect, it } from 'vitest';
import { BASE_SETTINGS } from './base-settings.js';
import { NOTIFY_PRODUCTION_URL, parseSettings, SCHEDULE_DEFAULTS, SETTING, SettingsError } from '../../../shared/config/settings.js';

/** The Notify settings: templates and the task link all set or all unset; ids are UUIDs; no key among them. */
const base = BASE_SETTINGS;
const templates = {
  [SETTING.notifyTemplateTaskAssigned]: '5f6a3d0e-0000-4000-8000-000000000001',
  [SETTING.notifyTemplateTaskReassigned]: '5f6a3d0e-0000-4000-8000-000000000002',
  [SETTING.notifyTemplateTaskCancelled]: '5f6a3d0e-0000-4000-8000-000000000003',
  [SETTING.notifyTemplateOverdueDigest]: '5f6a3d0e-0000-4000-8000-000000000004',
  [SETTING.notifyTemplateBulkReassignment]: '5f6a3d0e-0000-4000-8000-000000000005',
  [SETTING.taskLinkBaseUrl]: 'https://caseload.example/tasks',
};

describe('Notify settings', () => {
  it('none set: notifications off, Notify production as the base URL, the digest at 07:00 UTC', () => {
    const settings = parseSettings(base);
    expect(settings.notify).toEqual({ baseUrl: NOTIFY_PRODUCTION_URL, keyVaultUri: undefined, apiKeySecretName: undefined, templates: undefined, taskLinkBaseUrl: undefined });
    expect(settings.schedules.overdueDigest).toBe(SCHEDULE_DEFAULTS[SETTING.overdueDigestSchedule]);
  });

  it('all set: one template per kind', () => {
    const settings = parseSettings({ ...base, ...templates, [SETTING.keyVaultUri]: 'https://kv.vault.azure.net/', [SETTING.notifyApiKeySecretName]: 'notify-api-key' });
    expect(settings.notify.templates).toEqual({
      taskAssigned: templates[SETTING.notifyTemplateTaskAssigned],
      taskReassigned: templates[SETTING.notifyTemplateTaskReassigned],
      taskCancelled: templates[SETTING.notifyTemplateTaskCancelled],
      overdueDigest: templates[SETTING.notifyTemplateOverdueDigest],
      bulkReassignment: templates[SETTING.notifyTemplateBulkReassignment],
    });
    expect(settings.notify).toMatchObject({ keyVaultUri: 'https://kv.vault.azure.net/', apiKeySecretName: 'notify-api-key', taskLinkBaseUrl: 'https://caseload.example/tasks' });
  });

  it('some set: fails at start naming the missing ones; empty values count as unset', () => {
    const partial = { ...base, ...templates, [SETTING.notifyTemplateOverdueDigest]: '', [SETTING.taskLinkBaseUrl]: '' };
    expect(() => parseSettings(partial)).toThrow(SettingsError);
    expect(() => parseSettings(partial)).toThrow(`also set ${SETTING.notifyTemplateOverdueDigest}, ${SETTING.taskLinkBaseUrl}`);
  });

  it('a template id that is not a UUID, or a link that is not a URL, is refused by name', () => {
    expect(() => parseSettings({ ...base, ...templates, [SETTING.notifyTemplateTaskAssigned]: 'assigned' })).toThrow(SETTING.notifyTemplateTaskAssigned);
    expect(() => parseSettings({ ...base, ...templates, [SETTING.taskLinkBaseUrl]: 'tasks' })).toThrow(SETTING.taskLinkBaseUrl);
  });
});
