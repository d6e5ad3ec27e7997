import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/index.ts';
import { embargoNotice, embargoRequest, EmbargoRequestError } from '../../../shared/lifecycle/embargo.ts';
import { testConfig } from '../../helpers/test-config.ts';

/** The embargo request: the file's `Embargo` key over the config's `lifecycle.embargo`. */
const FIRST_SEEN = new Date('2026-12-04T10:00:00Z');
const plain = testConfig();
const withDefault = testConfig('lifecycle: { embargo: 1y }\n');

describe('embargoRequest', () => {
  it('reads a date as UTC midnight, a date-time without a zone as UTC, and keeps an explicit zone', () => {
    expect(embargoRequest(plain, { Embargo: '2027-06-30' }, FIRST_SEEN)).toEqual({
      until: new Date('2027-06-30T00:00:00Z'),
      spec: '2027-06-30',
      source: 'metadata',
    });
    expect(embargoRequest(plain, { Embargo: '2027-06-30 12:30' }, FIRST_SEEN)!.until).toEqual(new Date('2027-06-30T12:30:00Z'));
    expect(embargoRequest(plain, { Embargo: '2027-06-30T12:30:00+02:00' }, FIRST_SEEN)!.until).toEqual(new Date('2027-06-30T10:30:00Z'));
  });

  it('counts a duration from when the dataset was first seen', () => {
    expect(embargoRequest(plain, { Embargo: '30d' }, FIRST_SEEN)!.until).toEqual(new Date('2027-01-03T10:00:00Z'));
  });

  it('takes the config default when the file says nothing, and the file wins over it', () => {
    expect(embargoRequest(plain, {}, FIRST_SEEN)).toBeUndefined();
    expect(embargoRequest(withDefault, {}, FIRST_SEEN)).toEqual({ until: new Date('2027-12-04T10:00:00Z'), spec: '1y', source: 'config' });
    expect(embargoRequest(withDefault, { Embargo: '2027-01-01' }, FIRST_SEEN)!.source).toBe('metadata');
    for (const none of [false, 'none', 'None', 'false', 'no']) expect(embargoRequest(withDefault, { Embargo: none }, FIRST_SEEN)).toBeUndefined();
  });

  it('refuses what it cannot read, saying which key and what it expects', () => {
    for (const bad of ['soon', '2027-13-45', '2027-02-30', '2027-02-30 10:00', '2027-02-28T25:00', ['2027-01-01'], { until: '2027' }]) {
      expect(() => embargoRequest(plain, { Embargo: bad }, FIRST_SEEN)).toThrow(EmbargoRequestError);
    }
    expect(() => embargoRequest(plain, { Embargo: 'soon' }, FIRST_SEEN)).toThrow(/Embargo "soon" must be a date/);
  });

  it('refuses "never", which could mean no embargo or no publication: publishing by a wrong guess cannot be undone', () => {
    // Guards the ambiguity check in embargoEnd (before it, "never" meant "none" and published at once).
    for (const never of ['never', 'Never']) expect(() => embargoRequest(plain, { Embargo: never }, FIRST_SEEN)).toThrow(/is ambiguous: write "none"/);
    expect(() => testConfig('lifecycle: { embargo: never }\n')).toThrow(/lifecycle\.embargo/);
  });

  it('says until when in place of the public URL', () => {
    expect(embargoNotice('2027-06-30T00:00:00.000Z')).toBe('embargoed until 2027-06-30');
    expect(embargoNotice(new Date('2027-06-30T12:30:00Z'))).toBe('embargoed until 2027-06-30T12:30:00Z');
  });
});

describe('lifecycle.embargo in the config', () => {
  it('is checked at start, naming the key', () => {
    let err: unknown;
    try {
      testConfig('lifecycle: { embargo: "next summer" }\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.key)).toEqual(['lifecycle.embargo']);
    expect(plain.lifecycle.embargo).toBe('none');
  });
});
