/**
 * Ready-to-use snippets for a compute site (seed §5.3: Oneclient, Scipion on Kubernetes), printed
 * by `s3od access`. Pure text rendering; see docs/access.md for how each is used.
 */
import { safeJson } from './safe-text.ts';

export interface SnippetInput {
  /** The Oneprovider's base URL, e.g. `https://provider.example.org`. */
  oneproviderUrl: string;
  spaceId: string;
  /** The serialized access token (Onedata's base62 alphabet: safe inside shell quotes and YAML). */
  token: string;
  tokenId: string;
  expiresAt: string;
  /** The dataset folder (untrusted: from the bucket). */
  folder: string;
}

/** Where Oneclient mounts the user's spaces in the snippet (one directory per space below it). */
export const MOUNT_POINT = '/mnt/onedata';

/** A YAML double-quoted scalar: JSON's escapes are valid YAML, and terminal-active characters become `\uXXXX`. */
export function yamlString(value: string): string {
  return safeJson(JSON.stringify(value));
}

/** `-H host` (and `-P port` when the URL names one): Oneclient connects to the provider's host, port 443 by default. */
function oneclientHostArgs(oneproviderUrl: string): string {
  const url = new URL(oneproviderUrl);
  return url.port ? `-H ${url.hostname} -P ${url.port}` : `-H ${url.hostname}`;
}

/**
 * The Oneclient command line. The token goes in `ONECLIENT_ACCESS_TOKEN` (Oneclient's environment
 * form of `-t`), so it is not in the process list; `--space-id` mounts only this space.
 */
export function oneclientSnippet(s: SnippetInput): string {
  return [
    `# Oneclient: mounts the dataset's space (read-only for this token) under ${MOUNT_POINT}`,
    `export ONECLIENT_ACCESS_TOKEN='${s.token}'`,
    `mkdir -p ${MOUNT_POINT} && oneclient ${oneclientHostArgs(s.oneproviderUrl)} --space-id ${s.spaceId} ${MOUNT_POINT}`,
    `# unmount: oneclient -u ${MOUNT_POINT}`,
  ].join('\n');
}

/**
 * A Kubernetes Secret in the shape CERIT-SC's Scipion deployment mounts Onedata with (its
 * csi-onedata volumes read the keys `host` and `onedata_token` from a Secret labelled
 * `cerit-onedata-secret: "yes"`, named `sec-scipion-onedata` in its examples). `stringData`, so
 * the values need no base64; annotations say which dataset, space and token it is.
 */
export function kubernetesSecretSnippet(s: SnippetInput): string {
  return [
    '# Kubernetes Secret for a Scipion deployment (kubectl apply -n NAMESPACE -f -)',
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: sec-scipion-onedata',
    '  labels:',
    '    cerit-onedata-secret: "yes"',
    '  annotations:',
    `    s3od/dataset: ${yamlString(s.folder)}`,
    `    s3od/space-id: ${yamlString(s.spaceId)}`,
    `    s3od/token-id: ${yamlString(s.tokenId)}`,
    `    s3od/expires-at: ${yamlString(s.expiresAt)}`,
    'type: Opaque',
    'stringData:',
    `  host: ${yamlString(new URL(s.oneproviderUrl).hostname)}`,
    `  onedata_token: ${yamlString(s.token)}`,
  ].join('\n');
}
