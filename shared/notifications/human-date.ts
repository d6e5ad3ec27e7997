/** fs2od's date format for people (`%d. %m. %Y %H:%M`), in UTC and saying so: mail crosses time zones. */
export function humanDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}. ${p(d.getUTCMonth() + 1)}. ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}
