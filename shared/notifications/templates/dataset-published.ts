/** "dataset published": the embargo ended and the public share exists now (docs/notifications.md). */
import type { Template } from '../templates.ts';

export const DATASET_PUBLISHED_EN: Template = {
  text: `Your dataset $space_name is now public

Hello,

the embargo on the dataset $space_name ($space_path) has ended, and its public share exists now:

Public link:   $public_url
Onezone:       $onezone_url
Space id:      $space_id

Members of the dataset's group keep their access as before.

-- 
s3od, $now
`,
  html: `<p>Hello,</p>
<p>the embargo on the dataset <b>$space_name</b> (<code>$space_path</code>) has ended, and its public share exists now:</p>
<table>
<tr><td>Public link</td><td><a href="$public_url">$public_url</a></td></tr>
<tr><td>Onezone</td><td><a href="$onezone_url">$onezone_url</a></td></tr>
<tr><td>Space id</td><td><code>$space_id</code></td></tr>
</table>
<p>Members of the dataset's group keep their access as before.</p>
<p>-- <br>s3od, $now</p>
`,
};

export const DATASET_PUBLISHED_SK: Template = {
  text: `Váš dataset $space_name je teraz verejný

Dobrý deň,

embargo na dataset $space_name ($space_path) skončilo a jeho verejné zdieľanie teraz existuje:

Verejný odkaz: $public_url
Onezone:       $onezone_url
Id priestoru:  $space_id

Členovia skupiny datasetu majú prístup ako doteraz.

-- 
s3od, $now
`,
  html: `<p>Dobrý deň,</p>
<p>embargo na dataset <b>$space_name</b> (<code>$space_path</code>) skončilo a jeho verejné zdieľanie teraz existuje:</p>
<table>
<tr><td>Verejný odkaz</td><td><a href="$public_url">$public_url</a></td></tr>
<tr><td>Onezone</td><td><a href="$onezone_url">$onezone_url</a></td></tr>
<tr><td>Id priestoru</td><td><code>$space_id</code></td></tr>
</table>
<p>Členovia skupiny datasetu majú prístup ako doteraz.</p>
<p>-- <br>s3od, $now</p>
`,
};
