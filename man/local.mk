# Section-3 pages, one per public function, and the rmm(7) overview.
dist_man_MANS +=
dist_man_MANS += man/man3/rmm_allocate.3
dist_man_MANS += man/man3/rmm_allocate_aligned.3
dist_man_MANS += man/man3/rmm_callback_create.3
dist_man_MANS += man/man3/rmm_cuda_async_create.3
dist_man_MANS += man/man3/rmm_cuda_async_managed_create.3
dist_man_MANS += man/man3/rmm_cuda_async_pool_handle.3
dist_man_MANS += man/man3/rmm_cuda_async_view_create.3
dist_man_MANS += man/man3/rmm_cuda_create.3
dist_man_MANS += man/man3/rmm_deallocate.3
dist_man_MANS += man/man3/rmm_deallocate_aligned.3
dist_man_MANS += man/man3/rmm_expandable_pool_create.3
dist_man_MANS += man/man3/rmm_get_current_device_resource.3
dist_man_MANS += man/man3/rmm_get_per_device_resource.3
dist_man_MANS += man/man3/rmm_host_create.3
dist_man_MANS += man/man3/rmm_last_cuda_error.3
dist_man_MANS += man/man3/rmm_last_error_message.3
dist_man_MANS += man/man3/rmm_log_flush.3
dist_man_MANS += man/man3/rmm_log_get_flush_level.3
dist_man_MANS += man/man3/rmm_log_get_level.3
dist_man_MANS += man/man3/rmm_log_set_flush_level.3
dist_man_MANS += man/man3/rmm_log_set_level.3
dist_man_MANS += man/man3/rmm_managed_create.3
dist_man_MANS += man/man3/rmm_pinned_host_create.3
dist_man_MANS += man/man3/rmm_resource_create.3
dist_man_MANS += man/man3/rmm_resource_get_stats.3
dist_man_MANS += man/man3/rmm_resource_is_equal.3
dist_man_MANS += man/man3/rmm_resource_name.3
dist_man_MANS += man/man3/rmm_resource_properties.3
dist_man_MANS += man/man3/rmm_resource_release.3
dist_man_MANS += man/man3/rmm_resource_reset_peak.3
dist_man_MANS += man/man3/rmm_resource_retain.3
dist_man_MANS += man/man3/rmm_resource_trim.3
dist_man_MANS += man/man3/rmm_resource_upstream.3
dist_man_MANS += man/man3/rmm_sam_headroom_create.3
dist_man_MANS += man/man3/rmm_set_current_device_resource.3
dist_man_MANS += man/man3/rmm_set_per_device_resource.3
dist_man_MANS += man/man3/rmm_simulated_create.3
dist_man_MANS += man/man3/rmm_status_string.3
dist_man_MANS += man/man3/rmm_system_create.3
dist_man_MANS += man/man3/rmm_version.3
dist_man_MANS += man/man7/rmm.7
include $(srcdir)/man/suballoc.mk
include $(srcdir)/man/adaptor.mk
include $(srcdir)/man/container.mk
include $(srcdir)/man/spec.mk
include $(srcdir)/man/framework.mk
dist_man_MANS += man/man3/rmm_history_disable.3
dist_man_MANS += man/man3/rmm_history_enable.3
dist_man_MANS += man/man3/rmm_resource_set_oom_dump.3
dist_man_MANS += man/man3/rmm_resource_snapshot.3
dist_man_MANS += man/man3/rmm_resource_snapshot_path.3
