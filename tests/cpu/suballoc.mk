# CPU tests of lib/suballoc.
