# Man pages of lib/adaptor: one page per public function.
dist_man_MANS += \
	man/man3/rmm_aligned_create.3 \
	man/man3/rmm_failure_callback_create.3 \
	man/man3/rmm_limiting_allocated.3 \
	man/man3/rmm_limiting_create.3 \
	man/man3/rmm_limiting_limit.3 \
	man/man3/rmm_logging_create.3 \
	man/man3/rmm_logging_create_from_file.3 \
	man/man3/rmm_logging_file_name.3 \
	man/man3/rmm_logging_flush.3 \
	man/man3/rmm_prefetch_create.3 \
	man/man3/rmm_statistics_create.3 \
	man/man3/rmm_statistics_get.3 \
	man/man3/rmm_statistics_pop_counters.3 \
	man/man3/rmm_statistics_push_counters.3 \
	man/man3/rmm_thread_safe_create.3 \
	man/man3/rmm_tracking_allocated_bytes.3 \
	man/man3/rmm_tracking_create.3 \
	man/man3/rmm_tracking_foreach.3 \
	man/man3/rmm_tracking_outstanding_count.3 \
	man/man3/rmm_tracking_report.3
