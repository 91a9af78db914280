import { describe, expect, it } from 'vitest';
import { html } from './html.js';

describe('html', () => {
  it('escapes interpolated text, keeps Html fragments, drops null and booleans', () => {
    const name = `<script>alert("x")</script>&'`;
    const inner = html`<b>${name}</b>`;
    expect(html`<p title="${name}">${inner}${null}${false}${[1, html`<i>2</i>`]}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</b>1<i>2</i></p>',
    );
  });
});
