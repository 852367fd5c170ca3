/**
 * What a terminal `columns` wide and `rows` high shows after printing `raw`: the screen's lines (trailing
 * spaces trimmed), scrolled-off lines first. Understands what readline and the chat print: text, CR, LF,
 * backspace, wrapping, cursor moves (CSI A B C D G H), erasing (CSI J K); colours and other sequences are
 * dropped. Enough to assert what a person would read, not a full terminal.
 */
export function terminalScreen(raw: string, columns = 100, rows = 30): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let column = 0;
  const line = () => {
    while (lines.length <= row) lines.push([]);
    return lines[row]!;
  };
  const top = () => Math.max(0, lines.length - rows);
  const csi = (params: string, command: string) => {
    const numbers = params.split(';').map((value) => Number.parseInt(value, 10));
    const n = Number.isFinite(numbers[0]) ? numbers[0]! : undefined;
    if (command === 'A') row = Math.max(top(), row - (n ?? 1));
    else if (command === 'B') row += n ?? 1;
    else if (command === 'C') column = Math.min(columns - 1, column + (n ?? 1));
    else if (command === 'D') column = Math.max(0, column - (n ?? 1));
    else if (command === 'G') column = (n ?? 1) - 1;
    else if (command === 'H') {
      row = top() + (n ?? 1) - 1;
      column = (Number.isFinite(numbers[1]) ? numbers[1]! : 1) - 1;
    } else if (command === 'K') line().length = Math.min(line().length, column);
    else if (command === 'J') {
      if (n === 2) lines.splice(top());
      else {
        line().length = Math.min(line().length, column);
        lines.splice(row + 1);
      }
    }
  };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this reads.
  const tokens = raw.matchAll(/\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|\x1b.|[\s\S]/gu);
  for (const [token, params, command] of tokens) {
    if (command !== undefined) csi(params ?? '', command);
    else if (token.startsWith('\x1b')) continue;
    else if (token === '\r') column = 0;
    else if (token === '\n') row += 1;
    else if (token === '\b') column = Math.max(0, column - 1);
    else if (token >= ' ') {
      if (column >= columns) {
        row += 1;
        column = 0;
      }
      const current = line();
      while (current.length < column) current.push(' ');
      current[column] = token;
      column += 1;
    }
  }
  line();
  return lines.map((cells) => cells.join('').trimEnd());
}
