# Man pages of lib/suballoc.
dist_man_MANS += man/man3/rmm_arena_create.3
dist_man_MANS += man/man3/rmm_pool_create.3 man/man3/rmm_pool_size.3 \
	man/man3/rmm_fixed_size_create.3 man/man3/rmm_fixed_size_block_size.3 \
	man/man3/rmm_stream_register.3 man/man3/rmm_stream_unregister.3
dist_man_MANS += man/man3/rmm_binning_add_bin.3 man/man3/rmm_binning_create.3 \
	man/man3/rmm_binning_create_range.3
