/**
 * The saga's step names. They are persisted: every dataset record lists its completed steps by
 * these strings (`completedSteps`), and the CLI, reconcile and importing read them back. A step
 * is never renamed; a new step gets a new name (docs/architecture.md, "Adding a saga step").
 */
export const STEP = {
  createSpace: 'create-space',
  createStorage: 'create-storage',
  createGroup: 'create-group',
  supportSpace: 'support-space',
  createInviteToken: 'create-invite-token',
  addGroupToSpace: 'add-group-to-space',
  waitForProvider: 'wait-for-provider',
  createShare: 'create-share',
  publishMetadata: 'publish-metadata',
  writeBack: 'write-back',
  startImport: 'start-import',
  // Replication (shared/lifecycle/replication-steps.ts): also run on their own for a provisioned dataset.
  supportReplicas: 'support-replicas',
  addQosRequirement: 'add-qos-requirement',
  // Deletion (shared/lifecycle/deletion-steps.ts): a saga of its own, same runner.
  deleteShare: 'delete-share',
  deleteInviteToken: 'delete-invite-token',
  deleteGroup: 'delete-group',
  revokeSupports: 'revoke-supports',
  deleteSpace: 'delete-space',
  deleteStorage: 'delete-storage',
} as const;

export type StepName = (typeof STEP)[keyof typeof STEP];

/** Where a failure is recorded when it happened before any step ran (reading the metadata file). */
export const BEFORE_STEPS = 'read-metadata';
