/** Privilege names of Onedata 21.02.7 (ctool `privileges.erl`), as listed in the reference notes. */

export const SPACE_MEMBER = ['space_view', 'space_read_data', 'space_write_data', 'space_view_transfers'];

export const SPACE_MANAGER = [
  ...SPACE_MEMBER,
  'space_view_privileges', 'space_add_user', 'space_remove_user', 'space_add_group', 'space_remove_group',
  'space_add_harvester', 'space_remove_harvester', 'space_register_files', 'space_manage_shares', 'space_view_views',
  'space_query_views', 'space_view_statistics', 'space_view_changes_stream', 'space_schedule_replication',
  'space_view_qos', 'space_manage_datasets', 'space_view_archives', 'space_create_archives', 'space_manage_archives',
  'space_view_atm_workflow_executions', 'space_schedule_atm_workflow_executions',
];

export const SPACE_ADMIN = [
  'space_view', 'space_update', 'space_delete', 'space_view_privileges', 'space_set_privileges',
  'space_manage_in_marketplace', 'space_read_data', 'space_write_data', 'space_register_files', 'space_manage_shares',
  'space_view_views', 'space_manage_views', 'space_query_views', 'space_view_statistics', 'space_view_changes_stream',
  'space_view_transfers', 'space_schedule_replication', 'space_cancel_replication', 'space_schedule_eviction',
  'space_cancel_eviction', 'space_view_qos', 'space_manage_qos', 'space_add_user', 'space_remove_user',
  'space_add_group', 'space_remove_group', 'space_add_support', 'space_remove_support', 'space_add_harvester',
  'space_remove_harvester', 'space_manage_datasets', 'space_view_archives', 'space_create_archives',
  'space_manage_archives', 'space_remove_archives', 'space_recall_archives', 'space_view_atm_workflow_executions',
  'space_schedule_atm_workflow_executions', 'space_manage_atm_workflow_executions',
];

export const GROUP_MEMBER = ['group_view'];

export const GROUP_MANAGER = [
  ...GROUP_MEMBER,
  'group_view_privileges', 'group_add_user', 'group_remove_user', 'group_add_parent', 'group_leave_parent',
  'group_add_child', 'group_remove_child', 'group_add_harvester', 'group_remove_harvester', 'group_add_atm_inventory',
  'group_remove_atm_inventory',
];

export const GROUP_ADMIN = [
  'group_view', 'group_update', 'group_delete', 'group_view_privileges', 'group_set_privileges', 'group_add_parent',
  'group_leave_parent', 'group_add_child', 'group_remove_child', 'group_add_user', 'group_remove_user',
  'group_add_space', 'group_leave_space', 'group_add_cluster', 'group_leave_cluster', 'group_create_handle_service',
  'group_leave_handle_service', 'group_create_handle', 'group_leave_handle', 'group_add_harvester',
  'group_remove_harvester', 'group_add_atm_inventory', 'group_remove_atm_inventory',
];

export const CLUSTER_ADMIN = [
  'cluster_view', 'cluster_update', 'cluster_delete', 'cluster_view_privileges', 'cluster_set_privileges',
  'cluster_add_user', 'cluster_remove_user', 'cluster_add_group', 'cluster_remove_group',
];

export const OZ_PRIVILEGES = [
  'oz_view_privileges', 'oz_set_privileges', 'oz_users_list', 'oz_users_view', 'oz_users_create', 'oz_users_manage_passwords',
  'oz_users_update', 'oz_users_delete', 'oz_tokens_manage', 'oz_groups_list', 'oz_groups_view', 'oz_groups_create',
  'oz_groups_update', 'oz_groups_delete', 'oz_groups_add_relationships', 'oz_groups_remove_relationships',
  'oz_spaces_list', 'oz_spaces_view', 'oz_spaces_create', 'oz_spaces_update', 'oz_spaces_delete',
  'oz_spaces_add_relationships', 'oz_spaces_remove_relationships', 'oz_spaces_set_privileges', 'oz_providers_list',
  'oz_providers_view', 'oz_providers_list_relationships', 'oz_shares_list', 'oz_shares_view', 'oz_shares_update', 'oz_shares_delete',
];

/** Orders a privilege list like the servers do (by the admin list). */
export function sortPrivileges(privileges: Iterable<string>, order: readonly string[]): string[] {
  const set = new Set(privileges);
  return [...order.filter((p) => set.has(p)), ...[...set].filter((p) => !order.includes(p)).sort()];
}
