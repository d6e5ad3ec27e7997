/** Small text helpers shared by the parser and the surgical writer. Offsets are UTF-16 indexes. */

export const BOM = '\uFEFF';

export type Eol = '\n' | '\r\n';

/** The file's line ending style: the style of its first line break (LF when it has none). */
export function detectEol(text: string): Eol {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

/** Offset of the first character of the line holding `pos` (after the BOM on the first line). */
export function lineStart(text: string, pos: number): number {
  const start = text.lastIndexOf('\n', pos - 1) + 1;
  return start === 0 && pos > 0 && text.startsWith(BOM) ? 1 : start;
}

/** Offset just past the line break ending the line holding `pos` (or the end of the text). */
export function lineEndWithBreak(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  return nl === -1 ? text.length : nl + 1;
}

/** Offset of the line break (CR of CRLF, or LF) ending the line holding `pos`, or the end of the text. */
export function lineContentEnd(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  if (nl === -1) return text.length;
  return nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl;
}

/** 1-based line and column of an offset, as an editor shows them (a BOM is not a column). */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  let column = offset - start + 1;
  if (line === 1 && text.startsWith(BOM) && offset > 0) column--;
  return { line, column };
}

/** Whether `s` holds only spaces and tabs. */
export function isBlank(s: string): boolean {
  return /^[ \t]*$/.test(s);
}

/**
 * The comment after `pos` on the same line (`   # note`), including its leading blanks, or '' when
 * the rest of the line is blank or is not a comment.
 */
export function trailingComment(text: string, pos: number): string {
  const rest = text.slice(pos, lineContentEnd(text, pos));
  return /^[ \t]+#/.test(rest) ? rest : '';
}
