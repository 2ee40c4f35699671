// sanitizeHtml's verbatim path (segments sanitize-html would write back unchanged are copied, the rest
// sanitized in one call) and sanitizeHtmlAll (a feed's bodies together) against sanitize-html on each
// whole document: the same output, byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeHtml, sanitizeHtmlAll, sanitizeWithParser } from '../src/normalize/html.ts';
import { random } from './helpers/random.ts';

const BASE = 'https://news.example/section/page.html';

/** Pieces a feed body is made of: verbatim ones, ones the sanitizer changes, and ones the scan refuses. */
const PIECES = [
  '<p>Plain paragraph with text.</p>', '<p>Київ — <strong>Львів</strong> і <em>Одеса</em></p>', '\n', ' ',
  '<p>Fish &amp; chips &lt;3 &gt; 2</p>', '<p>a &quot;quoted&quot; &nbsp; &#39;x&#39; &copy; &amp</p>', '<p>raw > sign</p>',
  '<p>See <a href="/archive/1.html">the archive</a>.</p>', '<p><a href="https://a.example/x?utm_source=rss&amp;b=1">abs</a></p>',
  '<a href="javascript:alert(1)">bad</a>', '<p><a href="../up" title="t&quot;">rel</a></p>',
  '<img src="https://pixel.wp.com/g.gif?post=0" width="1" height="1" alt="">', '<img src="pic.jpg" alt="a">',
  '<img src="https://img.example/a.png" srcset="a-2x.png 2x, data:x 3x"/>', '<img src="data:image/png;base64,AA==">',
  '<ul><li>one</li><li>two <b>bold</b></li></ul>', '<blockquote><p>quote</p></blockquote>', '<h2>Heading</h2>',
  '<div class="x"><p>classy</p></div>', '<P>Upper</P>', '<p>line<br>break</p>', '<p>line<br/>break</p>', '<hr>',
  '<figure><img src="/f.jpg"><figcaption>cap</figcaption></figure>', '<span style="color:red">styled</span>',
  '<script>alert(1)</script>', '<style>p{}</style>', '<!-- comment -->', '<iframe src="https://www.youtube.com/embed/x"></iframe>',
  '<iframe src="https://evil.example/"></iframe>', '<p>unclosed', '</p>', '<p><div>implied</div></p>', '<li>a<li>b',
  '<p/>', '<table><tr><td>t</td></tr></table>', '<font>old</font>', 'a < b', 'text\r\nwith CR', '\u0000nul',
  '😀 astral', '\ud800 lone', '<p>\ufdd0 separator</p>', '&#xfdd0;', '<p>&#xfdd0;</p><a href="/s">s</a>',
  '<details><summary>s</summary>d</details>', '<pre>\npre</pre>', '<p title="a>b">attr with gt</p>', '<video src="v.mp4" controls></video>',
  // Tags the scan rewrites itself (links, void elements, dropped pixels), and near misses it must leave.
  '<p><a href="https://n.example/x?utm_source=rss&utm_medium=feed">raw amp</a></p>', '<a href="/p?a=1&not_x=2&copy=3&amp;b&#38;c&quot;d">ents</a>',
  '<a href="HTTPS://UP.example/">up</a>', '<a href="//proto.example/rel">proto</a>', '<a href="mailto:a@b.example">mail</a>',
  '<a href=" /spaced ">sp</a>', '<a href="">empty</a>', '<a href="#frag">frag</a>', '<a href="?q=1">query</a>', '<a href="/ü ä">uml</a>',
  "<a href='/single'>single</a>", '<a  href="/two-spaces">2</a>', '<a href="/x" title="t">titled</a>', '<A HREF="/caps">caps</A>',
  '<a href="/a"><a href="/b">nested</a></a>', '<a href="/unclosed">open', '<br>', '<br/>', '<br />', '<hr/>', '<p>a<br>b<br />c</p>',
  '<img src="https://pixel.wp.com/g.gif?a=1&amp;b=2" width="1" height="1" alt="">', '<img src="/p.gif" width="1" height="1">',
  '<img src="https://x.example/i.png" width="0" height="1" alt="x"/>', '<img src="https://x.example/i.png" width="" height="1">',
  '<img src="https://stats.wordpress.com/b.gif" alt="">', '<img src="//feedburner.example/~r/x" width="1" height="1">',
  '<img src="https://x.example/a.png" width="1" height="1" width="5">', '<img src="javascript:x" width="1" height="1">',
  '<img src="https://x.example/a.png" width="1&#x30;" height="1" />', '<img width="1" height="1" alt="no src">', '<img src="" width="1" height="1">',
  '<img src="https://x.example/a.png" data-x="1" width="1" height="1">', '<img src="https://x.example/big.png" width="600" height="400">',
  '<img src="/rel.jpg" alt="A &amp; B &quot;q&quot;" title="t" loading="lazy"/>', '<img src="https://x.example/i.png" srcset="a.png 2x">',
  '<script type="text/javascript">if (a<b && c>d) x("</p>")</script>', '<script>x</SCRIPT>', '<script>x</script >', '<script/>',
  '<script><!-- </script> --></script>', '<style>p > a { color: red }</style>', '<p>in <script>t()</script>para</p>', '<script>open',
  '<SCRIPT>caps</SCRIPT>', '<script>a</script><script>b</script>', '<li><style>x</style></li>',
];

test('sanitizeHtml equals sanitize-html on the whole document, for documents made of varied pieces', () => {
  const next = random(11);
  for (let n = 0; n < 3000; n++) {
    const count = 1 + Math.floor(next() * 8);
    let html = '';
    for (let i = 0; i < count; i++) html += PIECES[Math.floor(next() * PIECES.length)];
    assert.equal(sanitizeHtml(html, BASE), sanitizeWithParser(html, BASE), html);
  }
});

test('each piece alone, and the usual feed body, sanitize alike both ways', () => {
  for (const piece of PIECES) assert.equal(sanitizeHtml(piece, BASE), sanitizeWithParser(piece, BASE), piece);
  const body = '<p><strong>Lead.</strong> Text.</p>\n<p>More <em>text</em>. See <a href="/a/1.html">this</a>.</p>\n'
    + '<img src="https://pixel.wp.com/g.gif?post=0" width="1" height="1" alt="">\n<p><a href="https://n.example/x?utm_source=rss">Read more</a></p>';
  assert.equal(
    sanitizeHtml(body, BASE),
    '<p><strong>Lead.</strong> Text.</p>\n<p>More <em>text</em>. See <a href="https://news.example/a/1.html" rel="noopener noreferrer">this</a>.</p>\n'
      + '\n<p><a href="https://n.example/x?utm_source=rss" rel="noopener noreferrer">Read more</a></p>',
  );
});

test('sanitizeHtmlAll gives each document what sanitize-html gives it alone, joined calls included', () => {
  const next = random(23);
  for (let n = 0; n < 200; n++) {
    const documents: string[] = [];
    const count = 1 + Math.floor(next() * 40);
    for (let d = 0; d < count; d++) {
      let html = '';
      const pieces = 1 + Math.floor(next() * 6);
      for (let i = 0; i < pieces; i++) html += PIECES[Math.floor(next() * PIECES.length)];
      // Long documents too: runs join up to a size, and a run longer than it goes alone.
      documents.push(next() < 0.05 ? html.repeat(200) : html);
    }
    assert.deepEqual(sanitizeHtmlAll(documents, BASE), documents.map((html) => sanitizeWithParser(html, BASE)));
  }
});
