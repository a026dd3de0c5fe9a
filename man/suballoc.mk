# Man pages of lib/suballoc.
dist_man_MANS += man/man3/rmm_arena_create.3
