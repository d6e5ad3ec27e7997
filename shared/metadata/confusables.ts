/**
 * Look-alike detection for our section and key names.
 *
 * A key that is not `Onedata` but looks like it to a person (Cyrillic `О`, fullwidth letters, a
 * zero-width space, `OneData`, `0nedata`) would make s3od append a second, visually identical
 * section, and the operator could not tell which one is ours. We reject such files instead.
 * This is a small, deliberate subset of Unicode's confusables (UTS #39) covering Latin look-alikes
 * in Cyrillic and Greek plus digit/letter swaps; it is a guard, not a security boundary.
 */

// Combining and variation marks listed one by one on purpose: each is a character to remove.
// eslint-disable-next-line no-misleading-character-class
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g;

// Cyrillic and Greek letters that render like Latin ones.
const TO_LATIN: Readonly<Record<string, string>> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  Ү: 'Y',
  Ԁ: 'D',
  Ԛ: 'Q',
  Ԝ: 'W',
  Ӏ: 'I',
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ӏ: 'l',
  ү: 'y',
  ɡ: 'g',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ο: 'o',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  ρ: 'p',
  α: 'a',
  τ: 't',
  υ: 'u',
};

/** A comparison form: same skeleton ⇒ a person may read the two names as the same word. */
export function skeleton(name: string): string {
  let s = name.normalize('NFKC').replace(INVISIBLE, '').trim();
  s = Array.from(s, (c) => TO_LATIN[c] ?? c).join('');
  return s.toLowerCase().replace(/[1|i]/g, 'l').replace(/0/g, 'o');
}

/** True when `key` is not `name` but would be mistaken for it. */
export function isLookalike(key: string, name: string): boolean {
  return key !== name && skeleton(key) === skeleton(name);
}
