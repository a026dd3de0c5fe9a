# lib/suballoc: sources are added here as the family lands.
