# lib/container: sources are added here as the family lands.
