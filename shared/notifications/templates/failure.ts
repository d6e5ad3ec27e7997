/** A dataset that failed for good: for the operators who asked (`messaging.email.to.failure`). */
import type { Template } from '../templates.ts';

export const FAILURE_EN: Template = {
  text: `s3od: dataset $space_name failed

The dataset $space_path could not be provisioned:

$reason

Fix the cause, then: s3od retry $space_path

-- 
s3od, $now
`,
  html: `<p>The dataset <code>$space_path</code> could not be provisioned:</p>
<pre>$reason</pre>
<p>Fix the cause, then: <code>s3od retry $space_path</code></p>
<p>-- <br>s3od, $now</p>
`,
};

export const FAILURE_SK: Template = {
  text: `s3od: dataset $space_name zlyhal

Dataset $space_path sa nepodarilo sprístupniť:

$reason

Odstráňte príčinu a potom: s3od retry $space_path

-- 
s3od, $now
`,
  html: `<p>Dataset <code>$space_path</code> sa nepodarilo sprístupniť:</p>
<pre>$reason</pre>
<p>Odstráňte príčinu a potom: <code>s3od retry $space_path</code></p>
<p>-- <br>s3od, $now</p>
`,
};
