// The sanitizer and plain-text helpers: what untrusted feed HTML may and may not keep.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { excerpt, htmlToText, sanitizedHtmlToText, sanitizeHtml } from '../src/normalize/html.ts';
import { escapeHtml } from '../src/text/escape-html.ts';

test('scripts and styles are removed with their contents', () => {
  assert.equal(sanitizeHtml('<p>a</p><script>alert("x")</script><style>p{color:red}</style><p>b</p>'), '<p>a</p><p>b</p>');
});

test('event handler attributes are dropped', () => {
  assert.equal(sanitizeHtml('<img src="https://img.example/a.png" onerror="alert(1)" alt="a">'), '<img src="https://img.example/a.png" alt="a" />');
  assert.equal(sanitizeHtml('<p onclick="x()" onmouseover="y()">t</p>'), '<p>t</p>');
});

test('javascript: and data: URLs are dropped, whatever their case or padding', () => {
  const out = sanitizeHtml('<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a><a href="data:text/html,<b>x</b>">c</a>');
  assert.doesNotMatch(out, /javascript/i);
  assert.doesNotMatch(out, /data:/i);
  assert.match(out, />a<\/a>/, 'the link text survives');
  // A data: image would be an empty box without its src: the whole <img> goes.
  assert.equal(sanitizeHtml('<p><img src="data:image/png;base64,iVBORw0KGgo="></p>'), '<p></p>');
});

test('iframes are kept only from the player allow-list', () => {
  const yt = '<iframe src="https://www.youtube.com/embed/abc" allowfullscreen></iframe>';
  assert.match(sanitizeHtml(yt), /src="https:\/\/www\.youtube\.com\/embed\/abc"/);
  assert.match(sanitizeHtml('<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe>'), /youtube-nocookie/);
  assert.match(sanitizeHtml('<iframe src="https://player.vimeo.com/video/1"></iframe>'), /player\.vimeo\.com/);
  assert.equal(sanitizeHtml('<p>x</p><iframe src="https://evil.example/embed"></iframe>'), '<p>x</p>');
  assert.equal(sanitizeHtml('<iframe src="https://youtube.com.evil.example/x"></iframe>'), '');
  assert.equal(sanitizeHtml('<iframe src="https://vimeo.com/1"></iframe>'), '', 'only the player host of vimeo');
});

test('tracking pixels are removed: 1×1 images and images from tracker hosts', () => {
  assert.equal(sanitizeHtml('<p>t<img src="https://news.example/p.gif" width="1" height="1"></p>'), '<p>t</p>');
  assert.equal(sanitizeHtml('<p>t<img src="https://pixel.wp.com/g.gif?x=1"></p>'), '<p>t</p>');
  assert.equal(sanitizeHtml('<p>t<img src="http://feeds.feedburner.com/~r/x/~4/abc"></p>'), '<p>t</p>');
  // A real picture that is merely small in one dimension stays.
  assert.match(sanitizeHtml('<img src="https://news.example/line.png" width="600" height="1">'), /line\.png/);
});

test('relative link and image URLs resolve against the base; links get rel=noopener noreferrer', () => {
  const out = sanitizeHtml('<a href="../x?a=1">x</a><img src="i.png" srcset="i-2x.png 2x, /i-3x.png 3x">', 'https://news.example/blog/post/');
  assert.match(out, /<a href="https:\/\/news\.example\/blog\/x\?a=1" rel="noopener noreferrer">x<\/a>/);
  assert.match(out, /src="https:\/\/news\.example\/blog\/post\/i\.png"/);
  assert.match(out, /srcset="https:\/\/news\.example\/blog\/post\/i-2x\.png 2x, https:\/\/news\.example\/i-3x\.png 3x"/);
  // A relative URL with no base stays relative rather than being guessed.
  assert.match(sanitizeHtml('<a href="/x">x</a>'), /href="\/x"/);
});

test('a rel the source sets is replaced, so no opener leaks', () => {
  assert.equal(sanitizeHtml('<a href="https://a.example/" rel="opener">a</a>'), '<a href="https://a.example/" rel="noopener noreferrer">a</a>');
});

test('htmlToText: tags gone, blocks separate words, entities decoded exactly once', () => {
  assert.equal(htmlToText('<p>Fish &amp;amp; chips</p><p>second&nbsp;para</p>'), 'Fish &amp; chips second para');
  assert.equal(htmlToText('a &lt;b&gt; c'), 'a <b> c');
  assert.equal(htmlToText('<script>var x = 1;</script>visible'), 'visible');
  assert.equal(htmlToText('one<br>two<li>three</li>'), 'one two three');
  assert.equal(htmlToText('in<b>line</b>'), 'inline', 'inline tags do not split words');
  assert.equal(htmlToText('  lots \n\n of   space '), 'lots of space');
});

test('htmlToText: text with no < or & skips the parse but reads the same', () => {
  assert.equal(htmlToText(' Quotes "x" > y\u00a0z\r\n'), 'Quotes "x" > y z');
  assert.equal(htmlToText('Київ —\tсьогодні'), 'Київ — сьогодні');
  assert.equal(htmlToText(''), '');
  // One `&` or `<` is enough to need the parser: entities and tags still go.
  assert.equal(htmlToText('Tom &amp; Jerry'), 'Tom & Jerry');
  assert.equal(htmlToText('a <b>bold</b> move'), 'a bold move');
  assert.equal(htmlToText('1 < 2'), '1 < 2');
});

test('htmlToText and excerpt collapse every whitespace run, of any kind and length, to one space', () => {
  const messy = ' a b  c\td\r\ne \u00a0f\u2028g\n\n h\u3000i  ';
  assert.equal(htmlToText(messy), 'a b c d e f g h i');
  assert.equal(htmlToText(`<p>${messy}</p>`), 'a b c d e f g h i');
  assert.equal(excerpt(messy, 100), 'a b c d e f g h i');
});

test('htmlToText: scripts dropped, entities decoded once, the same text on every call', () => {
  const body = '<p>Перший&nbsp;абзац</p><script>x()</script><p>second &amp;amp; third</p>';
  const first = htmlToText(body);
  assert.equal(first, 'Перший абзац second &amp; third');
  for (let i = 0; i < 3; i++) assert.equal(htmlToText(body), first);
});

test('htmlToText: simple markup read without the parser gives what the parser gives', () => {
  const inputs = [
    '<p>Officials in Kyiv announced repairs to bridges.</p>',
    '<P>Upper<BR/>case</P><Strong>bold</Strong>er',
    '<p class="lead" data-x=\'1\' hidden>a</p><a href="https://x.example/?a=1&amp;b=2" title="a>b">link</a>tail',
    '<p>Fish &amp;amp; chips &nbsp;&copy &notit; &#60;b&#62; &#x3c;/p&#x3e; a&b &bogus; &amp</p>',
    'word<b>inline</b>word<br>next<li>item</li><h2>Head</h2><img src="a.png" alt="x">after',
    '<p>Київ — <em>Львів</em></p>\n\n<blockquote><p>«Цитата»</p></blockquote>',
    '</p>stray close<br></br><hr/>',
    // Not simple: each must still read as the parser reads it.
    '1 < 2 and <3', '<p-x>custom</p-x>', '<p title="a"b="c">x</p>', '</p title="a>b">x', '<p\u00a0class="x">y</p>',
    '<textarea>&amp;raw</textarea><title>t</title><svg><title>s</title></svg>x', '<script>a</script>b',
  ];
  for (const input of inputs) {
    // A trailing comment sends the same HTML through the full parse and adds no text.
    assert.equal(htmlToText(input), htmlToText(`${input}<!---->`), input);
  }
  assert.equal(htmlToText('<p>One</p><p>two &amp; <b>thr</b>ee</p>'), 'One two & three');
});

test('sanitizedHtmlToText reads sanitizeHtml output exactly as htmlToText does, without a second parse', () => {
  const inputs = [
    '<p>Fish &amp;amp; chips</p><p>second&nbsp;para</p>',
    '<div><p>a &lt;b&gt; c</p><script>x()</script><style>p{}</style>visible</div>',
    'one<br>two<li>three</li><ul><li>four</ul>',
    '<a href="/x?a=1&b=2" title="a>b<c" onclick="x()">link &quot;text&quot;</a> &copy &bogus; a&b <3',
    '<img src="https://img.example/a.png" alt="&lt;p&gt;"><img src="https://pixel.wp.com/g.gif" width="1" height="1">',
    '<iframe src="https://www.youtube.com/embed/x">fallback &amp; more</iframe><iframe src="https://evil.example/">gone</iframe>',
    '<textarea>&amp;raw</textarea><option>&lt;opt</option><noscript><p>ns</p></noscript><template><b>t</b></template>',
    '<!-- comment --><![CDATA[x<y]]><?pi x?><!DOCTYPE html><h1>Title</h1>&#60;b&#62; &#x3c;/p&#x3e;',
    '<table><tr><td>a</td><td>b</td></tr></table><figure><figcaption>cap</figcaption></figure>\u0000 \u00a0 😀',
    '<p>Київ — <strong>Львів</strong></p><details><summary>s</summary>d</details>',
  ];
  for (const input of inputs) {
    const html = sanitizeHtml(input, 'https://news.example/a/');
    // htmlToText reads the same markup by its own path (the trailing space changes only whitespace).
    assert.equal(sanitizedHtmlToText(html), htmlToText(`${html} `), input);
  }
});

test('excerpt cuts at a word boundary and marks the cut', () => {
  assert.equal(excerpt('short text', 50), 'short text');
  assert.equal(excerpt('hello wonderful world', 16), 'hello wonderful…');
  assert.ok(excerpt('a'.repeat(100), 10).length <= 10);
  assert.equal(excerpt('one two, three', 10), 'one two…', 'no dangling comma before the ellipsis');
});

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
