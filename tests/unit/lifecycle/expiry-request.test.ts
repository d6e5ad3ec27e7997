import { describe, expect, it } from 'vitest';
import { expiryRequest, remindersDue, remindersPassed } from '../../../shared/lifecycle/expiry-request.ts';
import { testConfig } from '../../helpers/test-config.ts';

const DAY = 86_400_000;
const now = new Date('2026-12-04T12:00:00Z');
const provisionedAt = new Date('2026-11-01T00:00:00Z');
const config = testConfig('dataReplication: { timeUntilRemoved: 7d }\n');

describe("expiry request: fs2od's .fs2od contract", () => {
  it('DeniedProviders [primary] without RemovingTime: timeUntilRemoved from when it was first noticed, kept across passes', () => {
    // fs2od's own layout: inside its section; the top level is read too.
    const fs2od = { Onedata: { DeniedProviders: ['primary'], LastProgramRun: '2026-12-01T10:00:00' } };
    expect(expiryRequest(config, {}, { DeniedProviders: ['primary'] }, { now, provisionedAt })?.source).toBe('fs2od');
    expect(expiryRequest(config, {}, fs2od, { now, provisionedAt })).toEqual({ source: 'fs2od', spec: '7d', removeAt: new Date(now.getTime() + 7 * DAY) });
    // A later pass counts from the recorded moment, not from now (fs2od restarted the countdown).
    const noticedAt = new Date(now.getTime() - 5 * DAY);
    expect(expiryRequest(config, {}, fs2od, { now, provisionedAt, noticedAt })?.removeAt).toEqual(new Date(noticedAt.getTime() + 7 * DAY));
  });
  it('RemovingTime: never, now, an ISO date, the duration grammar; without primary in DeniedProviders nothing is asked', () => {
    const at = (RemovingTime: string) => expiryRequest(config, {}, { DeniedProviders: ['primary'], RemovingTime }, { now, provisionedAt })?.removeAt;
    expect(at('never')).toBe('never');
    expect(at('now')).toEqual(now);
    expect(at('2027-01-31T10:00:00Z')).toEqual(new Date('2027-01-31T10:00:00Z'));
    expect(at('1m 2d')).toEqual(new Date(now.getTime() + 32 * DAY));
    expect(expiryRequest(config, {}, { DeniedProviders: ['other'], RemovingTime: 'now' }, { now, provisionedAt })).toBeUndefined();
    expect(() => at('soon')).toThrow(/RemovingTime/);
  });

  it("reads the keys under the names the facility's fs2od gave them (metadataFileTags.deniedProviders / removingTime)", () => {
    // Guards config.fs2odExpiryKeys in expiryRequest: the tags were accepted and ignored, so a
    // facility that had renamed them never got its expiry.
    const renamed = testConfig('metadataFileTags: { deniedProviders: Odepreno, removingTime: Smazat }\n');
    const asked = expiryRequest(renamed, {}, { Onedata: { Odepreno: ['primary'], Smazat: '2027-01-31T10:00:00Z' } }, { now, provisionedAt });
    expect(asked).toMatchObject({ source: 'fs2od', spec: '2027-01-31T10:00:00Z', removeAt: new Date('2027-01-31T10:00:00Z') });
    expect(expiryRequest(renamed, {}, { DeniedProviders: ['primary'] }, { now, provisionedAt })).toBeUndefined();
    expect(() => expiryRequest(renamed, {}, { Odepreno: ['primary'], Smazat: 'soon' }, { now, provisionedAt })).toThrow(/Smazat/);
    // Left empty (fs2od's files may), the default names apply.
    expect(testConfig('metadataFileTags: { deniedProviders: "" }\n').fs2odExpiryKeys.deniedProviders).toBe('DeniedProviders');
  });
});

describe('expiry request: native', () => {
  it('Retention in the metadata file counts from provisioning; the config default applies otherwise; never is no expiry', () => {
    expect(expiryRequest(config, { Retention: '90d' }, undefined, { now, provisionedAt })).toEqual({
      source: 'metadata',
      spec: '90d',
      removeAt: new Date(provisionedAt.getTime() + 90 * DAY),
    });
    expect(expiryRequest(config, {}, undefined, { now, provisionedAt })).toBeUndefined();
    const withDefault = testConfig('lifecycle: { retention: 1y }\n');
    expect(expiryRequest(withDefault, {}, undefined, { now, provisionedAt })).toMatchObject({
      source: 'config',
      removeAt: new Date(provisionedAt.getTime() + 365 * DAY),
    });
    expect(expiryRequest(withDefault, { Retention: 'never' }, undefined, { now, provisionedAt })?.removeAt).toBe('never');
  });
});

describe('reminders (timeBeforeAction)', () => {
  const removeAt = new Date(now.getTime() + 3 * DAY);
  it('each offset fires once when its instant has passed, none after the removal time', () => {
    expect(remindersDue(['1m', '7d', '1d', '2h'], removeAt, now, [])).toEqual(['1m', '7d']);
    expect(remindersDue(['1m', '7d', '1d', '2h'], removeAt, now, ['1m', '7d'])).toEqual([]);
    expect(remindersDue(['1d'], removeAt, new Date(removeAt.getTime() - DAY + 1), [])).toEqual(['1d']);
    expect(remindersDue(['1d'], removeAt, removeAt, [])).toEqual([]);
  });
  it('planned with offsets whose moment has passed already: those count as sent, the later ones stay due', () => {
    // Guards: remindersPassed (returning [] instead: the plan's pass mails the 1m and 7d reminders
    // along with "expiry scheduled", as fs2od never did).
    const offsets = ['1m', '7d', '1d', '2h'];
    const sent = remindersPassed(offsets, removeAt, now);
    expect(sent).toEqual(['1m', '7d']);
    expect(remindersDue(offsets, removeAt, now, sent)).toEqual([]);
    expect(remindersDue(offsets, removeAt, new Date(removeAt.getTime() - DAY), sent)).toEqual(['1d']);
    expect(remindersPassed(offsets, removeAt, new Date(removeAt.getTime() - 60 * DAY))).toEqual([]);
  });
});
