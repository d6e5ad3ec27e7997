/**
 * The whole simulated deployment as plain data, built from a `Seed` so that a reset recreates the same
 * users, groups, providers and admin token. Behaviour lives elsewhere; this file only holds and dumps data.
 */
import { randomBytes } from 'node:crypto';
import { randomId } from './ids.ts';
import type {
  FileNode,
  Group,
  NamedToken,
  Provider,
  QosRequirement,
  Registration,
  Relation,
  Share,
  Space,
  TemporaryTokenNote,
  Transfer,
  User,
} from './model.ts';
import { CLUSTER_ADMIN, GROUP_ADMIN } from './privileges.ts';
import { serializeToken } from './tokens.ts';

export interface SeedProvider {
  id: string;
  name: string;
  domain: string;
  clusterId: string;
  /** Id of the provider's pre-existing storage for replicas (read-write, not imported), when the seed has them. */
  replicaStorageId?: string;
}

export interface Seed {
  zoneDomain: string;
  zoneName: string;
  /** Secret behind temporary tokens (per user and generation). */
  zoneSecret: string;
  serviceUserId: string;
  managerGroupId: string;
  userGroupId: string;
  adminTokenId: string;
  adminTokenSecret: string;
  /** A caller-chosen opaque admin token, accepted in addition to the generated one. */
  customToken?: string;
  providers: SeedProvider[];
  createdAt: number;
}

export const ADMIN_TOKEN_NAME = 'sim-admin-access';

export const REPLICA_STORAGE_NAME = 'replicas';

export function createSeed(opts: { providers: number; zoneDomain: string; token?: string; replicaStorages?: boolean }): Seed {
  const providers: SeedProvider[] = [];
  for (let i = 1; i <= opts.providers; i++) {
    const p: SeedProvider = { id: randomId(), name: `sim-provider-${i}`, domain: `oneprovider-${i}.sim.localhost`, clusterId: randomId() };
    // Chosen in the seed so that a reset recreates the same ids (tests and configs keep pointing at them).
    if (opts.replicaStorages) p.replicaStorageId = randomId();
    providers.push(p);
  }
  const seed: Seed = {
    zoneDomain: opts.zoneDomain,
    zoneName: 'Onedata simulator',
    zoneSecret: randomBytes(32).toString('hex'),
    serviceUserId: randomId(),
    managerGroupId: randomId(),
    userGroupId: randomId(),
    adminTokenId: randomId(),
    adminTokenSecret: randomBytes(32).toString('hex'),
    providers,
    createdAt: Math.floor(Date.now() / 1000),
  };
  if (opts.token !== undefined) seed.customToken = opts.token;
  return seed;
}

export class SimState {
  users = new Map<string, User>();
  groups = new Map<string, Group>();
  /** Live and tombstoned (deleted, not yet forgotten by providers) spaces. */
  spaces = new Map<string, Space>();
  namedTokens = new Map<string, NamedToken>();
  temporaryTokens: TemporaryTokenNote[] = [];
  shares = new Map<string, Share>();
  providers: Provider[] = [];
  /** Per space: file uuid → node. */
  files = new Map<string, Map<string, FileNode>>();
  registrations: Registration[] = [];
  qos = new Map<string, QosRequirement>();
  transfers = new Map<string, Transfer>();
  /** Per provider: uuids of files it holds a replica of (beyond the files it imported or registered itself). */
  replicas = new Map<string, Set<string>>();
  adminToken: string;

  constructor(
    readonly seed: Seed,
    urls: string[],
  ) {
    const t = seed.createdAt;
    const rel = (privileges: string[]): Relation => ({ privileges: [...privileges], sinceMs: 0, visibleAtMs: 0 });
    this.users.set(seed.serviceUserId, {
      id: seed.serviceUserId,
      username: 's3od-service',
      fullName: 's3od service user',
      creationTime: t,
      ozPrivileges: [],
      temporaryTokenGeneration: 1,
    });
    for (const [id, name] of [
      [seed.managerGroupId, 's3od-managers'],
      [seed.userGroupId, 's3od-dataset-users'],
    ] as const) {
      this.groups.set(id, {
        id,
        name,
        type: 'team',
        creationTime: t,
        creator: { type: 'user', id: seed.serviceUserId },
        users: new Map([[seed.serviceUserId, rel(GROUP_ADMIN)]]),
        children: new Map(),
      });
    }
    this.providers = seed.providers.map(({ replicaStorageId: _r, ...p }, i) => ({
      ...p,
      url: urls[i] ?? '',
      cluster: new Map([[seed.serviceUserId, [...CLUSTER_ADMIN]]]),
      storages: new Map(),
      supports: new Map(),
    }));
    seed.providers.forEach((p, i) => {
      if (!p.replicaStorageId) return;
      // What an operator sets up once per provider for replicas: a plain read-write POSIX storage that
      // supports many spaces (only imported storages are limited to one space).
      this.providers[i]!.storages.set(p.replicaStorageId, {
        id: p.replicaStorageId,
        providerId: p.id,
        name: REPLICA_STORAGE_NAME,
        type: 'posix',
        params: { mountPoint: `/volumes/${REPLICA_STORAGE_NAME}`, storagePathType: 'canonical', rootUid: 0, rootGid: 0 },
        importedStorage: false,
        readonly: false,
        archiveStorage: false,
        qosParameters: { replicas: 'true', storageId: p.replicaStorageId, providerId: p.id },
        lumaFeed: 'auto',
        createdAtMs: t * 1000,
        content: null,
      });
    });
    const adminType = { accessToken: {} } as const;
    this.adminToken = serializeToken(
      seed.zoneDomain,
      { persistence: 'named', subjectUserId: seed.serviceUserId, type: adminType, id: seed.adminTokenId },
      [],
      seed.adminTokenSecret,
    );
    this.namedTokens.set(seed.adminTokenId, {
      id: seed.adminTokenId,
      name: ADMIN_TOKEN_NAME,
      subjectUserId: seed.serviceUserId,
      type: adminType,
      caveats: [],
      customMetadata: {},
      revoked: false,
      creationTime: t,
      usageLimit: 'infinity',
      usageCount: 0,
      privileges: null,
      secret: seed.adminTokenSecret,
      serialized: this.adminToken,
    });
  }

  provider(id: string): Provider | undefined {
    return this.providers.find((p) => p.id === id);
  }

  /** A space that exists in Onezone (not deleted). */
  liveSpace(id: string): Space | undefined {
    const space = this.spaces.get(id);
    return space && space.deletedAtMs === undefined ? space : undefined;
  }

  spaceFiles(spaceId: string): Map<string, FileNode> {
    let files = this.files.get(spaceId);
    if (!files) {
      files = new Map();
      this.files.set(spaceId, files);
    }
    return files;
  }

  /** JSON dump for `GET /_sim/state`. Serialized tokens and secrets are left out. */
  snapshot(nowMs: number): Record<string, unknown> {
    const rels = (m: Map<string, Relation>) =>
      Object.fromEntries([...m].map(([k, r]) => [k, { privileges: r.privileges, sinceMs: r.sinceMs, visibleAtMs: r.visibleAtMs }]));
    const spaces = [...this.spaces.values()].map((s) => ({
      ...s,
      users: rels(s.users),
      groups: rels(s.groups),
      owners: [...s.owners],
      providers: Object.fromEntries(
        this.providers.flatMap((p) => {
          const sup = p.supports.get(s.id);
          return sup && sup.removedAtMs === undefined ? [[p.id, sup.size]] : [];
        }),
      ),
    }));
    const groups = [...this.groups.values()].map((g) => ({ ...g, users: rels(g.users), children: rels(g.children) }));
    const tokens = [...this.namedTokens.values()].map(({ secret: _s, serialized: _t, ...rest }) => ({ persistence: 'named', ...rest }));
    const storages = this.providers.flatMap((p) =>
      [...p.storages.values()].map((st) => ({
        ...st,
        params: censor(st.params),
        content: st.content ? Object.fromEntries(st.content) : null,
      })),
    );
    const supports = this.providers.flatMap((p) => [...p.supports.values()].map(({ scan: _scan, ...s }) => s));
    const scans = this.providers.flatMap((p) =>
      [...p.supports.values()]
        .filter((s) => s.scan)
        .map((s) => ({
          providerId: p.id,
          spaceId: s.spaceId,
          ...s.scan,
        })),
    );
    const files = [...this.files.entries()].flatMap(([, m]) => [...m.values()].map(({ children: _c, ...f }) => f));
    const jsonMetadata = files
      .filter((f) => f.jsonMetadata !== undefined)
      .map((f) => ({
        spaceId: f.spaceId,
        fileUuid: f.uuid,
        metadata: f.jsonMetadata,
      }));
    const out = {
      nowMs,
      users: [...this.users.values()],
      groups,
      spaces: spaces.filter((s) => s.deletedAtMs === undefined),
      deletedSpaces: spaces.filter((s) => s.deletedAtMs !== undefined),
      tokens,
      temporaryTokens: this.temporaryTokens,
      shares: [...this.shares.values()],
      providers: this.providers.map((p) => ({
        id: p.id,
        name: p.name,
        domain: p.domain,
        clusterId: p.clusterId,
        url: p.url,
        cluster: Object.fromEntries(p.cluster),
      })),
      storages,
      supports,
      registrations: this.registrations,
      scans,
      files,
      jsonMetadata,
      qosRequirements: [...this.qos.values()],
      transfers: [...this.transfers.values()].map(({ fileUuids: _f, ...t }) => t),
      replicas: Object.fromEntries([...this.replicas].map(([pid, set]) => [pid, [...set]])),
    };
    const counts = Object.fromEntries(
      Object.entries(out)
        .filter(([, v]) => Array.isArray(v))
        .map(([k, v]) => [k, (v as unknown[]).length]),
    );
    return { ...out, counts };
  }
}

const SECRET_PARAM = /(secret|password|apikey|key$|token)/i;

/** Storage parameters without credentials (the real GET censors them too). */
export function censor(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !SECRET_PARAM.test(k)));
}
