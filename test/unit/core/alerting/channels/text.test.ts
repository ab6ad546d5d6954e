import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  ELLIPSIS,
  escapeHtml,
  escapeSlackCharacter,
  fit,
  oneLine,
  plainText,
  slackText,
  titleOf,
  TITLE_LIMIT,
} from '../../../../../src/core/alerting/channels/text';
import { alertOf, HOSTILE_TITLE } from './support';

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('alert text for the channels', () => {
  it('fit keeps text within its limit and ends a cut with an ellipsis, never splitting an escape', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.integer({ min: 1, max: 60 }), (text, limit) => {
        const out = fit(text, limit, escapeSlackCharacter);
        assert.ok(out.length <= limit, `${out.length} > ${limit}`);
        if (out.endsWith(ELLIPSIS) && unescapeSlack(out) !== text) {
          const kept = out.slice(0, -ELLIPSIS.length);
          assert.ok(text.startsWith(unescapeSlack(kept)), 'the kept part is a prefix of the text');
          assert.doesNotMatch(kept, /&[a-z]*$/, 'no escape is cut in half');
        } else {
          assert.equal(unescapeSlack(out), text);
        }
      }),
    );
  });

  it('fit leaves text within the limit as it is and cuts very long text to the limit', () => {
    assert.equal(fit('short', 10), 'short');
    assert.equal(fit('exactly10!', 10), 'exactly10!');
    assert.equal(fit('x'.repeat(100_000), 50), `${'x'.repeat(49)}${ELLIPSIS}`);
    // A surrogate pair is one character: it is kept whole or dropped whole.
    assert.equal(fit('ab😀cd', 3), `ab${ELLIPSIS}`);
  });

  it('slackText leaves no Slack control sequence or mention and no raw & < >', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom('<!channel>', '<!here>', '<@U1>', '@here', '@channel', '@everyone', '&', '<http://x|y>'), (text, hostile) => {
        const out = slackText(`${text}${hostile}${text}`, 3000);
        assert.doesNotMatch(out, /[<>]/);
        assert.doesNotMatch(out, /&(?!amp;|lt;|gt;)/);
        assert.doesNotMatch(out, /@(channel|here|everyone)\b/i);
      }),
    );
    assert.equal(slackText('a & b <!channel> @here', 100), 'a &amp; b &lt;!channel&gt; @\u200bhere');
  });

  it('escapeHtml escapes all of & < > " \'', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    fc.assert(fc.property(fc.string(), (text) => assert.doesNotMatch(escapeHtml(text), /[<>"']|&(?!amp;|lt;|gt;|quot;|#39;)/)));
  });

  it('plainText replaces terminal control characters and normalizes line breaks; oneLine joins lines', () => {
    assert.equal(plainText('a\r\nb\rc\u001b[31md\u0007\te'), 'a\nb\nc\ufffd[31md\ufffd\te');
    assert.equal(oneLine('  a \n\n b\r\n\tc  '), 'a b c');
  });

  it('titleOf gives a one-line title no longer than the limit, or one named by the metric', () => {
    const title = titleOf(alertOf({ title: `${HOSTILE_TITLE}${'y'.repeat(1000)}` }));
    assert.doesNotMatch(title, /\n/);
    assert.equal(title.length, TITLE_LIMIT);
    assert.ok(title.endsWith(ELLIPSIS));
    assert.equal(titleOf(alertOf({ title: null })), 'accuracy alert');
    assert.equal(titleOf(alertOf({ title: '  ', metric_name: null })), 'Alert alert_1790856000000');
  });
});
