# tools/: command-line programs.
bin_PROGRAMS = tools/rmm-replay
tools_rmm_replay_SOURCES = tools/rmm-replay.c tools/replay_log.c tools/replay_log.h lib/spec/size.c lib/spec/size.h \
	tools/replay_plot.c tools/replay_plot.h
tools_rmm_replay_LDADD = lib/librmm.la
tools_rmm_replay_LDFLAGS = $(AM_LDFLAGS) -pthread
