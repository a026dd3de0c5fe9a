# GPU tests of lib/suballoc.
