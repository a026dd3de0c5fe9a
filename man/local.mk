# Section-3 pages, one per public function, and the rmm(7) overview.
dist_man_MANS +=
include $(srcdir)/man/suballoc.mk
include $(srcdir)/man/adaptor.mk
include $(srcdir)/man/container.mk
include $(srcdir)/man/spec.mk
