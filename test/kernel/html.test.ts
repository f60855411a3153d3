import { describe, expect, it } from 'vitest';
import { notebookHtml } from '../../runner/html.js';

const page = (md: string) => notebookHtml('t', [{ cell_type: 'markdown', source: md }]);

describe('notebook HTML prose', () => {
  it('renders the Markdown tutorials use: headings, emphasis, lists, tables, quotes, code', () => {
    const html = page(
      '# Title\nSome *prose* and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> A. Author. *Paper.* 2020.\n\n- one\n- two',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<em>prose</em>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<td>1</td>');
    expect(html).toMatch(/<blockquote>\s*<p>A\. Author\. <em>Paper\.<\/em> 2020\.<\/p>/);
    expect(html).toContain('<li>one</li>');
  });
  it('shows raw HTML as text and drops script links', () => {
    const html = page(
      '<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://example.org/a) <img src=x onerror=alert(1)>',
    );
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&#60;script&#62;');
    expect(html).not.toMatch(/href="javascript/i);
    expect(html).toContain('<a href="https://example.org/a">ok</a>');
    expect(html).not.toContain('<img src=x');
  });
});
