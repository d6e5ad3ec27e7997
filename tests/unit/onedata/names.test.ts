import { describe, expect, it } from 'vitest';
import { InvalidNameError, NAME_MAX_LENGTH, sanitiseDatasetName, validateOnedataName } from '../../../shared/onedata/index.ts';

const ok = (name: string) => expect(validateOnedataName(name)).toEqual({ ok: true });
const bad = (name: string, reason: RegExp) => {
  const r = validateOnedataName(name);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(reason);
};

describe('validateOnedataName (21.02 rule)', () => {
  it('accepts letters, digits, underscores and brackets anywhere, and spaces/dots/dashes inside', () => {
    ok('ab');
    ok('dataset_2024');
    ok('(raw) data-set v1.2');
    ok('__');
    ok('()');
    ok('a.-b');
  });

  it('accepts Unicode letters and digits', () => {
    ok('Příliš_žluťoučký_kůň');
    ok('データセット');
    ok('набор_данных');
    ok('٣٤'); // Arabic-Indic digits are \p{N}
  });

  it('counts length in characters, not bytes or UTF-16 units', () => {
    ok('ž'.repeat(NAME_MAX_LENGTH));
    ok('𝔸'.repeat(NAME_MAX_LENGTH)); // astral letters: 2 UTF-16 units each
    bad('𝔸'.repeat(NAME_MAX_LENGTH + 1), /at most 128/);
    ok('a'.repeat(128));
    bad('a'.repeat(129), /at most 128/);
  });

  it('rejects too short names', () => {
    bad('', /at least 2/);
    bad('a', /at least 2/);
    bad('𝔸', /at least 2/);
  });

  it('rejects dots, dashes and spaces at either end', () => {
    bad('.hidden', /start/);
    bad('-x', /start/);
    bad(' x', /start/);
    bad('x.', /end/);
    bad('x-', /end/);
    bad('x ', /end/);
  });

  it('rejects other punctuation anywhere and names the offending characters', () => {
    bad('a@b', /"@"/);
    bad('a+b', /"\+"/);
    bad('a/b#c', /"\/".*"#"/);
    bad('a:b', /":"/);
    bad("a'b", /"'"/);
    bad('a\tb', /U\+0009/);
    bad('a\nb', /U\+000A/);
    bad('a\u00a0b', /U\+00A0/); // NBSP is not a plain space
  });

  it('rejects symbols-only names and emoji', () => {
    bad('@@', /start/);
    bad('a😀b', /U\+1F600/);
  });

  it('rejects decomposed accents (combining marks are not \\w in the server regex)', () => {
    bad('cafe\u0301x', /U\+0301/);
  });
});

describe('sanitiseDatasetName (fs2od clean-up)', () => {
  it('keeps a valid name unchanged', () => {
    expect(sanitiseDatasetName('experiment_42')).toBe('experiment_42');
  });

  it('trims, replaces + and @, and collapses whitespace runs to one underscore', () => {
    expect(sanitiseDatasetName('  my  data+set@lab \t 2024 ')).toBe('my_data_set_lab_2024');
    expect(sanitiseDatasetName('a\u00a0\u3000b')).toBe('a_b');
  });

  it('cuts to 128 characters', () => {
    const out = sanitiseDatasetName('x'.repeat(300));
    expect(out).toBe('x'.repeat(NAME_MAX_LENGTH));
    const astral = sanitiseDatasetName('𝔸'.repeat(200));
    expect(Array.from(astral)).toHaveLength(NAME_MAX_LENGTH);
  });

  it('NFC-normalises decomposed accents so they count as letters', () => {
    expect(sanitiseDatasetName('cafe\u0301 data')).toBe('caf\u00e9_data');
  });

  it('keeps Unicode letters', () => {
    expect(sanitiseDatasetName('měření 2024')).toBe('měření_2024');
  });

  it('throws InvalidNameError with a reason when it cannot be made valid', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /at least 2/],
      ['   ', /at least 2/],
      ['a', /at least 2/],
      ['.hidden', /start/],
      ['data-', /end/],
      ['#$%', /start/],
      ['a#b', /"#"/],
      ['😀😀', /start/],
    ];
    for (const [raw, reason] of cases) {
      let caught: unknown;
      try {
        sanitiseDatasetName(raw);
      } catch (e) {
        caught = e;
      }
      expect(caught, raw).toBeInstanceOf(InvalidNameError);
      const e = caught as InvalidNameError;
      expect(e.reason).toMatch(reason);
      expect(e.input).toBe(raw);
      expect(e.id).toBe('badValueName');
    }
  });

  it('symbols that become underscores can make a valid name', () => {
    expect(sanitiseDatasetName('@+')).toBe('__');
    expect(sanitiseDatasetName('+hidden')).toBe('_hidden');
  });

  it('reports a cut that leaves a dot or dash at the end, with the cleaned candidate', () => {
    const raw = 'a'.repeat(127) + '.b';
    const e = (() => {
      try {
        sanitiseDatasetName(raw);
      } catch (err) {
        return err as InvalidNameError;
      }
      throw new Error('expected a throw');
    })();
    expect(e.candidate).toBe('a'.repeat(127) + '.');
    expect(e.message).toMatch(/end/);
  });
});
