import { describe, expect, it } from 'vitest';
import { liveUrl, notebookHtml } from '../../runner/html.js';

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

describe('the link to the live version', () => {
  const cells = [{ cell_type: 'code', source: '1 + 1', outputs: [] }];
  it('is a visible "Run live" link to the site\'s lab page of the notebook when a site is given', () => {
    const live = liveUrl('https://example.org/convlab/', '05-dilated.ipynb');
    expect(live).toBe('https://example.org/convlab/lab/index.html?path=05-dilated.ipynb');
    const html = notebookHtml('05-dilated', cells, undefined, { live });
    expect(html).toContain(
      '<p class="live"><a href="https://example.org/convlab/lab/index.html?path=05-dilated.ipynb">Run live</a>',
    );
    // After the title, before the first cell.
    expect(html.indexOf('class="live"')).toBeGreaterThan(html.indexOf('nb-title'));
    expect(html.indexOf('class="live"')).toBeLessThan(html.indexOf('class="cell code"'));
  });
  it('is absent without a site', () => {
    const html = notebookHtml('05-dilated', cells);
    expect(html).not.toContain('Run live');
    expect(html).not.toContain('lab/index.html');
  });
  it('escapes the notebook path inside the site', () => {
    expect(liveUrl('site', 'dir/a b&c.ipynb')).toBe('site/lab/index.html?path=dir/a%20b%26c.ipynb');
    expect(notebookHtml('t', cells, undefined, { live: 'x?a="b"' })).toContain('href="x?a=&#34;b&#34;"');
  });
});
