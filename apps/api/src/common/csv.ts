/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break. Text that a spreadsheet
 * would run as a formula (= + - @, and tab or CR, which some strip first) gets a leading quote.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
