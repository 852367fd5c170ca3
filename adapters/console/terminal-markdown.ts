import { stripVTControlCharacters } from 'node:util';
import { Marked, type MarkedExtension, type Tokens } from 'marked';
import { markedTerminal } from 'marked-terminal';

/** Turns a reply's Markdown into what the terminal prints. */
export type TerminalMarkdown = (markdown: string) => string;

/**
 * Markdown for the terminal with marked-terminal: bold, code, lists, code blocks (highlighted), quotes.
 * Without `color` (output not a terminal, or NO_COLOR) the same layout is printed without escape codes, so
 * piped output stays plain readable text.
 */
export function createTerminalMarkdown(options: { color: boolean }): TerminalMarkdown {
  // Its typings describe the old renderer class; at run time it is an extension, as marked documents.
  const marked = new Marked(markedTerminal({ tab: 2 }, {}) as unknown as MarkedExtension);
  // marked-terminal prints a list item's text as written (`two **b**`): render its inline Markdown too.
  marked.use({
    renderer: {
      text(token: Tokens.Text | Tokens.Escape) {
        return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : false;
      },
    },
  });
  return (markdown) => {
    const rendered = (marked.parse(markdown, { async: false }) as string).replace(/\s+$/, '');
    return options.color ? rendered : stripVTControlCharacters(rendered);
  };
}
