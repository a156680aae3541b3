/**
 * A plain-text table, kubectl style: upper-case headers, columns left-aligned and separated
 * by three spaces, no borders, no trailing spaces. Cells are one line each.
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const clean = (cell: string) => cell.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const all = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => clean(r[i] ?? '')))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  const lines = all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('   ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}
