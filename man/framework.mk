# Man pages of lib/framework: one page per public function.
dist_man_MANS += \
	man/man3/rmm_torch_allocate.3 \
	man/man3/rmm_torch_deallocate.3
