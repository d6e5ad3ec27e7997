/** "dataset ready": the access link, the invite token, and how to join (docs/notifications.md). */
import type { Template } from '../templates.ts';

export const DATASET_READY_EN: Template = {
  text: `Your dataset $space_name is ready in Onedata

Hello,

the dataset $space_name ($space_path) is now available in Onedata.

Public link:   $public_url
Onezone:       $onezone_url
Space id:      $space_id

To work with the data, join the dataset's group with this invite token:

$invite_token

1. Sign in at $onezone_url
2. Open "Tokens" > "Consume token" and paste the token above.
3. The space $space_name then appears among your spaces (read-only).

The token is personal to the dataset's group: do not forward it.

-- 
s3od, $now
`,
  html: `<p>Hello,</p>
<p>the dataset <b>$space_name</b> (<code>$space_path</code>) is now available in Onedata.</p>
<table>
<tr><td>Public link</td><td>$public_url</td></tr>
<tr><td>Onezone</td><td><a href="$onezone_url">$onezone_url</a></td></tr>
<tr><td>Space id</td><td><code>$space_id</code></td></tr>
</table>
<p>To work with the data, join the dataset's group with this invite token:</p>
<pre>$invite_token</pre>
<ol>
<li>Sign in at <a href="$onezone_url">$onezone_url</a>.</li>
<li>Open <i>Tokens</i> &gt; <i>Consume token</i> and paste the token above.</li>
<li>The space <b>$space_name</b> then appears among your spaces (read-only).</li>
</ol>
<p>The token is personal to the dataset's group: do not forward it.</p>
<p>-- <br>s3od, $now</p>
`,
};

export const DATASET_READY_SK: Template = {
  text: `Váš dataset $space_name je pripravený v Onedata

Dobrý deň,

dataset $space_name ($space_path) je teraz dostupný v Onedata.

Verejný odkaz: $public_url
Onezone:       $onezone_url
Id priestoru:  $space_id

Pre prácu s dátami sa pripojte do skupiny datasetu pomocou tohto pozývacieho tokenu:

$invite_token

1. Prihláste sa na $onezone_url
2. Otvorte "Tokens" > "Consume token" a vložte token uvedený vyššie.
3. Priestor $space_name sa potom objaví medzi vašimi priestormi (len na čítanie).

Token patrí skupine datasetu: neposielajte ho ďalej.

-- 
s3od, $now
`,
  html: `<p>Dobrý deň,</p>
<p>dataset <b>$space_name</b> (<code>$space_path</code>) je teraz dostupný v Onedata.</p>
<table>
<tr><td>Verejný odkaz</td><td>$public_url</td></tr>
<tr><td>Onezone</td><td><a href="$onezone_url">$onezone_url</a></td></tr>
<tr><td>Id priestoru</td><td><code>$space_id</code></td></tr>
</table>
<p>Pre prácu s dátami sa pripojte do skupiny datasetu pomocou tohto pozývacieho tokenu:</p>
<pre>$invite_token</pre>
<ol>
<li>Prihláste sa na <a href="$onezone_url">$onezone_url</a>.</li>
<li>Otvorte <i>Tokens</i> &gt; <i>Consume token</i> a vložte token uvedený vyššie.</li>
<li>Priestor <b>$space_name</b> sa potom objaví medzi vašimi priestormi (len na čítanie).</li>
</ol>
<p>Token patrí skupine datasetu: neposielajte ho ďalej.</p>
<p>-- <br>s3od, $now</p>
`,
};
