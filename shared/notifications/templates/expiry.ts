/** The expiry events of the lifecycle pass (docs/lifecycle.md): scheduled, reminders before it, done. */
import type { Template } from '../templates.ts';

const html = (lines: string[]) => lines.map((l) => `<p>${l}</p>`).join('\n') + '\n';

export const EXPIRY_SCHEDULED_EN: Template = {
  text: `Dataset $space_name leaves the facility on $date

Hello,

the dataset $space_name ($space_path) is scheduled to leave the facility's storage on $date.
Its replicas on long-term storage stay available in Onedata: $public_url

-- 
s3od, $now
`,
  html: html([
    'Hello,',
    "the dataset <b>$space_name</b> (<code>$space_path</code>) is scheduled to leave the facility's storage on <b>$date</b>.",
    'Its replicas on long-term storage stay available in Onedata: $public_url',
    '-- <br>s3od, $now',
  ]),
};

export const EXPIRY_SCHEDULED_SK: Template = {
  text: `Dataset $space_name opustí úložisko pracoviska $date

Dobrý deň,

dataset $space_name ($space_path) je naplánovaný na odstránenie z úložiska pracoviska $date.
Jeho repliky na dlhodobom úložisku zostávajú dostupné v Onedata: $public_url

-- 
s3od, $now
`,
  html: html([
    'Dobrý deň,',
    'dataset <b>$space_name</b> (<code>$space_path</code>) je naplánovaný na odstránenie z úložiska pracoviska <b>$date</b>.',
    'Jeho repliky na dlhodobom úložisku zostávajú dostupné v Onedata: $public_url',
    '-- <br>s3od, $now',
  ]),
};

export const REMINDER_EN: Template = {
  text: `Reminder: dataset $space_name leaves the facility on $date

Hello,

a reminder ($before before): the dataset $space_name ($space_path) leaves the facility's storage on $date.
Its replicas on long-term storage stay available in Onedata: $public_url

-- 
s3od, $now
`,
  html: html([
    'Hello,',
    "a reminder ($before before): the dataset <b>$space_name</b> (<code>$space_path</code>) leaves the facility's storage on <b>$date</b>.",
    'Its replicas on long-term storage stay available in Onedata: $public_url',
    '-- <br>s3od, $now',
  ]),
};

export const REMINDER_SK: Template = {
  text: `Pripomienka: dataset $space_name opustí úložisko pracoviska $date

Dobrý deň,

pripomíname ($before vopred): dataset $space_name ($space_path) opustí úložisko pracoviska $date.
Jeho repliky na dlhodobom úložisku zostávajú dostupné v Onedata: $public_url

-- 
s3od, $now
`,
  html: html([
    'Dobrý deň,',
    'pripomíname ($before vopred): dataset <b>$space_name</b> (<code>$space_path</code>) opustí úložisko pracoviska <b>$date</b>.',
    'Jeho repliky na dlhodobom úložisku zostávajú dostupné v Onedata: $public_url',
    '-- <br>s3od, $now',
  ]),
};

export const EXPIRED_EN: Template = {
  text: `Dataset $space_name has left the facility

Hello,

the dataset $space_name ($space_path) was removed from the facility's storage on $date.
Its replicas on long-term storage remain available in Onedata: $public_url

-- 
s3od, $now
`,
  html: html([
    'Hello,',
    "the dataset <b>$space_name</b> (<code>$space_path</code>) was removed from the facility's storage on <b>$date</b>.",
    'Its replicas on long-term storage remain available in Onedata: $public_url',
    '-- <br>s3od, $now',
  ]),
};

export const EXPIRED_SK: Template = {
  text: `Dataset $space_name opustil úložisko pracoviska

Dobrý deň,

dataset $space_name ($space_path) bol odstránený z úložiska pracoviska $date.
Jeho repliky na dlhodobom úložisku zostávajú dostupné v Onedata: $public_url

-- 
s3od, $now
`,
  html: html([
    'Dobrý deň,',
    'dataset <b>$space_name</b> (<code>$space_path</code>) bol odstránený z úložiska pracoviska <b>$date</b>.',
    'Jeho repliky na dlhodobom úložisku zostávajú dostupné v Onedata: $public_url',
    '-- <br>s3od, $now',
  ]),
};
