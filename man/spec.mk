# Man pages of lib/spec and rmm-replay.
dist_man_MANS += \
	man/man1/rmm-replay.1 \
	man/man3/rmm_resource_from_spec.3 \
	man/man3/rmm_resource_from_spec_options.3
