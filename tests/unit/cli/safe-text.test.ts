import { describe, expect, it } from 'vitest';
import { table } from '../../../infra/cli/lib/format.ts';
import { Output } from '../../../infra/cli/lib/io.ts';
import { Progress } from '../../../infra/cli/lib/progress.ts';
import { publicRecord } from '../../../infra/cli/lib/records.ts';
import { safeJson, safeLines, safeText } from '../../../infra/cli/lib/safe-text.ts';
import { renderDatasetStatus, renderStatusTable } from '../../../infra/cli/lib/status-render.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { addHistory, newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';

/** Every character a terminal acts on or that hides what a string is (see safe-text.ts). */
const RAW_UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\uD800-\uDFFF]/;
/** The same, line feed allowed (line breaks between the CLI's own lines). */
const RAW_UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;

/** A key as hostile as a bucket can hold: ESC sequences, a fake line, bidi override and isolate, C1 CSI. */
const HOSTILE = 'Run\u001b]0;pwned\u0007\u001b[2J\nFAKE provisioned line\r\u202Eldm.exe\u2066x\u2069\u009b31m\u200b\ufeff\u2028\ud800end';

function sink() {
  let text = '';
  return {
    write: (t: string) => void (text += t),
    get text() {
      return text;
    },
    isTTY: true,
  };
}

describe('safeText', () => {
  it('escapes C0 and C1 controls, bidi overrides and isolates, invisibles and lone surrogates as \\u{…}', () => {
    expect(safeText('a\u001b[31mb')).toBe('a\\u{1b}[31mb');
    expect(safeText('line\nfake\r\tx')).toBe('line\\u{a}fake\\u{d}\\u{9}x');
    expect(safeText('\u0000\u007f\u0085\u009b')).toBe('\\u{0}\\u{7f}\\u{85}\\u{9b}');
    expect(safeText('abc\u202Edef\u202A\u202B\u202C\u202D')).toBe('abc\\u{202e}def\\u{202a}\\u{202b}\\u{202c}\\u{202d}');
    expect(safeText('\u2066\u2067\u2068\u2069\u200e\u200f\u061c')).toBe('\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200e}\\u{200f}\\u{61c}');
    expect(safeText('One\u200Bdata\uFEFF\u2028\u2029')).toBe('One\\u{200b}data\\u{feff}\\u{2028}\\u{2029}');
    expect(safeText('x\ud800y\udc00')).toBe('x\\u{d800}y\\u{dc00}');
    expect(safeText(HOSTILE)).not.toMatch(RAW_UNSAFE);
  });

  it('leaves ordinary text alone: accents, CJK, emoji, paths, quotes', () => {
    for (const s of ['datasets/Zoë_Run1', '日本語のデータ', 'run 😀 ok', '../../etc/passwd', 'a "quoted" \'x\' #1', 'C:\\data\\run'])
      expect(safeText(s)).toBe(s);
    expect(safeText(undefined)).toBe('');
    expect(safeText(42)).toBe('42');
  });

  it('is unambiguous: a key that spells \\u{1b} out is shown differently from one holding ESC', () => {
    expect(safeText('a\\u{1b}')).toBe('a\\\\u{1b}');
    expect(safeText('a\u001b')).toBe('a\\u{1b}');
    expect(safeText('a\\u{1b}')).not.toBe(safeText('a\u001b'));
  });

  it('safeLines keeps line breaks, escapes the rest, and does not escape safeText output again', () => {
    expect(safeLines('one\ntwo\u001b[2J\r')).toBe('one\ntwo\\u{1b}[2J\\u{d}');
    const once = safeText(HOSTILE);
    expect(safeLines(once)).toBe(once);
  });

  it('safeJson is the same JSON value with terminal-active characters escaped', () => {
    const value = { key: HOSTILE.replace('\ud800', ''), list: ['\u202E', '\u0085', 'plain'] };
    const json = safeJson(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(RAW_UNSAFE_BUT_NEWLINE);
    expect(json).toContain('\\u202e');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('Output: the last line of defence in every command', () => {
  it("escapes controls in human lines on stdout and stderr, keeping the CLI's own line breaks", () => {
    const stdout = sink();
    const stderr = sink();
    const output = new Output({ stdout, stderr });
    // A command that forgot safeText: the net still stops every control but the line feed.
    output.out(`enqueued ${HOSTILE}\nsecond line`);
    output.err(`error ${HOSTILE}`);
    expect(stdout.text).not.toMatch(RAW_UNSAFE_BUT_NEWLINE);
    expect(stderr.text).not.toMatch(RAW_UNSAFE_BUT_NEWLINE);
    expect(stdout.text).toContain('\\u{1b}]0;pwned');
    // With the value escaped at the source (as the commands do), it cannot fake a line either.
    const clean = sink();
    new Output({ stdout: clean, stderr: sink() }).out(`enqueued ${safeText(HOSTILE)}`);
    expect(clean.text.split('\n')).toEqual([`enqueued ${safeText(HOSTILE)}`, '']);
  });

  it("keeps --json proper JSON that parses back to the record's strings", () => {
    const stdout = sink();
    const output = new Output({ stdout, stderr: sink() });
    const record = { folder: HOSTILE, error: 'x\u202Ey' };
    output.json(record);
    expect(stdout.text).not.toMatch(RAW_UNSAFE_BUT_NEWLINE);
    expect(JSON.parse(stdout.text)).toEqual(record);
  });

  it("escapes a progress line's text but keeps its own carriage return and erase sequence", () => {
    const stderr = sink();
    const output = new Output({ stdout: sink(), stderr });
    new Progress(output, 1, () => 1000).update(1, `at ${HOSTILE}`);
    expect(stderr.text.startsWith('\r')).toBe(true);
    expect(stderr.text.endsWith('\u001b[K')).toBe(true);
    const inner = stderr.text.slice(1, -'\u001b[K'.length);
    expect(inner).not.toMatch(RAW_UNSAFE);
    expect(inner).toContain('\\u{202e}');
  });
});

describe('s3od status renders records safely', () => {
  /** A record whose every string came from a hostile bucket. */
  function hostileRecord(): DatasetState {
    const s = newDatasetState(datasetRef('facility', 'datasets', HOSTILE), new Date('2026-01-01T00:00:00Z'));
    s.status = 'failed';
    s.metadataFile = `SPA${HOSTILE}.yml`;
    s.metadataEtag = HOSTILE;
    s.outputs = { spaceId: HOSTILE, onedataName: HOSTILE, publicUrl: HOSTILE, inviteTokenId: HOSTILE, rootFileId: HOSTILE };
    s.completedSteps = { [HOSTILE]: '2026-01-01T00:00:00Z' };
    s.lastError = { step: HOSTILE, message: HOSTILE, onedataErrorId: HOSTILE, permanent: false, at: HOSTILE };
    s.failureReason = `gave up: ${HOSTILE}`;
    s.import.listing = { done: false, listed: 3, startAfter: HOSTILE };
    s.lease = { owner: HOSTILE, expiresAt: '2026-01-01T00:00:00Z' };
    s.requeues = { etag: HOSTILE, count: 8, lastAt: HOSTILE };
    addHistory(s, HOSTILE, HOSTILE);
    return s;
  }

  it('one dataset: no raw control or bidi character, and no line a key could fake', () => {
    const lines = renderDatasetStatus(hostileRecord(), new Date('2026-01-02T00:00:00Z'));
    for (const line of lines) expect(line).not.toMatch(RAW_UNSAFE);
    expect(lines.some((l) => l.startsWith('FAKE'))).toBe(false);
    expect(lines[0]).toBe(`datasets/${safeText(HOSTILE)}`);
    expect(lines.join('\n')).toContain('\\u{1b}[2J');
    expect(lines.join('\n')).toMatch(/reconcile\s+8 of 8 re-queues .* stopped: upload a new version or s3od retry/);
  });

  it('the table: cells escaped before the columns are measured', () => {
    const plain = newDatasetState(datasetRef('facility', 'datasets', 'Plain'), new Date('2026-01-01T00:00:00Z'));
    const lines = renderStatusTable([hostileRecord(), plain]);
    for (const line of lines) expect(line).not.toMatch(RAW_UNSAFE);
    expect(lines).toHaveLength(5); // header, two rows, blank, totals
    expect(table(['A', 'B'], [[`x${'\u001b'}`, 'y']])[1]).toBe('x\\u{1b}  y');
  });

  it('--json: the record as proper JSON, strings unchanged', () => {
    const stdout = sink();
    const output = new Output({ stdout, stderr: sink() });
    const rec = hostileRecord();
    output.json(publicRecord(rec));
    const back = JSON.parse(stdout.text) as DatasetState;
    expect(back.dataset.prefix).toBe(rec.dataset.prefix);
    expect(back.lastError?.message).toBe(rec.lastError?.message);
    expect(stdout.text).not.toMatch(RAW_UNSAFE_BUT_NEWLINE);
  });
});
