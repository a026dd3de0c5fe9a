# Man pages of lib/suballoc.
